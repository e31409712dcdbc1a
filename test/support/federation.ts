/**
 * The whole federation in one test process over real HTTP: every subgraph that exists, each with its own
 * runtime (read models, projections) over ONE shared SQLite event store in a temporary directory, and the
 * gateway over a supergraph composed from their SDLs with the ephemeral ports they got.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createAuthenticator, type MintTokenInput, mintToken } from '../../services/shared/auth';
import type { Clock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { EventStore } from '../../services/shared/eventstore/types';
import { composeSupergraph, type SubgraphDefinition } from '../../services/shared/graphql/supergraph';
import type { ServedSubgraph } from '../../services/shared/subgraph-module';
import { SUBGRAPHS } from '../../services/subgraphs';
import { createLogger } from '../../services/shared/logger';
import { openKeyVault } from '../../services/shared/pii';
import type { SubgraphRuntime } from '../../services/shared/runtime';
import { POSITION_HEADER, READ_AFTER_HEADER } from '../../services/shared/consistency';
import { createGateway, type Gateway } from '../../gateway/server';
import { gatewaySecretOf } from '../../services/shared/gateway-signature';
import { agencyDecider, agencyStreamId } from '../../services/correspondence/domain';
import { CommandHandler } from '../../services/shared/decider';

export const FEDERATION_TEST_SECRET = 'federation-test-secret-0123456789-abcdef';

export interface Federation {
  readonly gatewayUrl: string;
  readonly subgraphUrls: Readonly<Record<string, string>>;
  readonly runtimes: Readonly<Record<string, SubgraphRuntime>>;
  readonly store: EventStore;
  readonly dataDir: string;
  token(input: Omit<MintTokenInput, 'sub'> & { sub?: string }): Promise<string>;
  /** POST a GraphQL operation to the gateway (or any URL), with an optional bearer token. */
  // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
  gql<T = any>(
    query: string,
    variables?: Record<string, unknown>,
    token?: string,
    url?: string,
  ): Promise<GqlReply<T>>;
  close(): Promise<void>;
}

export interface GqlReply<T> {
  readonly status: number;
  readonly data: T;
  readonly errors?: {
    message: string;
    extensions?: { code?: string; [k: string]: unknown };
    path?: unknown[];
  }[];
  readonly raw: string;
}

export async function startFederation(
  options: {
    clock?: Clock;
    subgraphs?: readonly string[];
    /** Run on this data dir (a restored one, say) and leave it in place on close. */
    dataDir?: string;
    /** Settings beside the data dir, as the environment would give them (e.g. a channel's). */
    env?: Readonly<Record<string, string>>;
    /**
     * Agencies put in the directory before anything starts, each in its pilot with focal point
     * `pic-<id>` (the subject `token({ role: 'AGENCY', agencyId })` signs): complaints are forwarded
     * only to such agencies.
     */
    agencies?: readonly string[];
  } = {},
): Promise<Federation> {
  const dataDir = options.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'dumas-federation-'));
  const config = loadConfig({ ...options.env, DUMAS_DATA_DIR: dataDir });
  const logger = createLogger({ name: 'test', level: 'silent' });
  const authenticator = createAuthenticator({ secret: FEDERATION_TEST_SECRET });
  const store = new SqliteEventStore({ file: path.join(dataDir, 'events.sqlite') });
  const vault = openKeyVault(config);
  await joinAgencies(store, options.agencies ?? []);
  const runtimes: Record<string, SubgraphRuntime> = {};
  const servers: ServedSubgraph[] = [];
  const definitions: SubgraphDefinition[] = [];
  const subgraphUrls: Record<string, string> = {};
  const wanted = options.subgraphs ?? SUBGRAPHS.map((s) => s.name);
  for (const entry of SUBGRAPHS.filter((s) => wanted.includes(s.name))) {
    const { name } = entry;
    const mod = entry.load();
    const runtime = await mod.start({
      config,
      store,
      vault,
      logger,
      ...(options.clock ? { clock: options.clock } : {}),
    });
    const server = await mod.serve(runtime, { authenticator, logger });
    const { url } = await server.listen(0, '127.0.0.1');
    runtimes[name] = runtime;
    servers.push(server);
    subgraphUrls[name] = `${url}/graphql`;
    definitions.push({ name, url: `${url}/graphql`, sdl: await mod.sdl() });
  }
  const gateway: Gateway = createGateway({
    supergraphSdl: composeSupergraph(definitions),
    authenticator,
    logger,
    limits: { publicMutationsPerMinute: 10_000 },
    // Signed subgraph calls, as in production: a subgraph that answers only the gateway takes these.
    gatewaySecret: gatewaySecretOf(config),
  });
  const { url: gatewayBase } = await gateway.listen(0, '127.0.0.1');
  const gatewayUrl = `${gatewayBase}/graphql`;
  // Like one client session: every request asks to read what any earlier request wrote (consistency.ts).
  let written = 0;
  return {
    gatewayUrl,
    subgraphUrls,
    runtimes,
    store,
    dataDir,
    token: (input) =>
      mintToken(
        { sub: input.agencyId ? `pic-${input.agencyId}` : `user-${input.role.toLowerCase()}`, ...input },
        FEDERATION_TEST_SECRET,
      ),
    async gql(query, variables, token, url) {
      const res = await fetch(url ?? gatewayUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(written > 0 ? { [READ_AFTER_HEADER]: String(written) } : {}),
        },
        body: JSON.stringify({ query, variables }),
      });
      written = Math.max(written, Number(res.headers.get(POSITION_HEADER) ?? 0));
      const raw = await res.text();
      // biome-ignore lint/suspicious/noExplicitAny: test replies are inspected field by field
      const body = JSON.parse(raw) as { data: any; errors?: GqlReply<unknown>['errors'] };
      return { status: res.status, data: body.data, ...(body.errors ? { errors: body.errors } : {}), raw };
    },
    async close() {
      await gateway.close();
      for (const s of servers) await s.close();
      for (const r of Object.values(runtimes)) await r.close();
      await vault.close();
      await store.close();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Creates each agency, appoints `pic-<id>` its focal point and starts its pilot, as an ADMIN would. */
export async function joinAgencies(store: EventStore, agencyIds: readonly string[]): Promise<void> {
  const handler = new CommandHandler(store, agencyDecider);
  const metadata = { now: '2026-01-02T01:00:00.000Z', actor: { id: 'test-admin', role: 'ADMIN' } };
  for (const agencyId of agencyIds) {
    const stream = agencyStreamId(agencyId);
    if ((await store.readStream(stream)).length > 0) continue;
    const name = agencyId.replace(/-/g, ' ');
    await handler.handle(stream, {
      type: 'CreateAgency',
      data: {
        agencyId,
        name,
        kind: 'REGENCY',
        region: 'DI Yogyakarta',
        regionCode: 'ID-YO',
        parentAgencyId: null,
        contact: { emails: [`${agencyId}@example.go.id`] },
      },
      metadata,
    });
    await handler.handle(stream, {
      type: 'AppointFocalPoint',
      data: {
        appointmentId: randomUUID(),
        userId: `pic-${agencyId}`,
        name: `PIC ${name}`,
        position: 'Pejabat Penghubung',
        contact: { email: `pic@${agencyId}.example.go.id` },
      },
      metadata,
    });
    await handler.handle(stream, { type: 'StartAgencyPilot', data: {}, metadata });
  }
}
