/**
 * The correspondence subgraph as the registry sees it (services/subgraphs.ts): schema, runtime and
 * server. The runtime adds to the shared one the blob store, the delivery adapter, the letter numbering (healing
 * approvals a crash cut short, once at start) and the flows between subgraphs.
 */
import { WorkingCalendar } from '../shared/calendar/calendar';
import 'reflect-metadata';
import { AgencyRoster } from './roster';
import {
  buildFederatedSubgraph,
  createSubgraphServer,
  type SubgraphServer,
} from '../shared/graphql/subgraph';
import type { SubgraphModule } from '../shared/subgraph-module';
import { type RuntimeOptions, type SubgraphRuntime, startRuntime } from '../shared/runtime';
import { type BlobStore, openBlobStore } from '../shared/blobs';
import { complaintLinksProjection } from './complaint-links';
import { ConfigError, type CorrespondenceConfig } from '../shared/config';
import { type DeliveryAdapter, openDeliveryAdapter } from '../shared/mail/delivery';
import { LetterNumbering } from './numbering';
import { type CorrespondenceFlows, startCorrespondenceFlows } from './flows';
import type { CorrespondenceContext } from './graphql/context';
import { correspondenceProjections, LETTERS } from './projections';
import {
  resolveAgencyReference,
  resolveComplaintReference,
  resolveLetterReference,
} from './graphql/reference';
import {
  AgencyResolver,
  ComplaintLettersResolver,
  CorrespondenceMutations,
  LetterResolver,
} from './graphql/resolvers';
import { CorrespondenceService } from './service';
import { uploadRoute } from './uploads';
import { gatewayTrustOf, UPLOADS_PATH } from '../shared/gateway-signature';
import { fencedReadModels } from '../shared/leases';

let built: ReturnType<typeof buildFederatedSubgraph> | undefined;

function buildCorrespondenceSubgraph() {
  built ??= buildFederatedSubgraph<CorrespondenceContext>({
    resolvers: [AgencyResolver, LetterResolver, ComplaintLettersResolver, CorrespondenceMutations],
    referenceResolvers: {
      Agency: resolveAgencyReference,
      Letter: resolveLetterReference,
      Complaint: resolveComplaintReference,
    },
  });
  return built;
}

export const CORRESPONDENCE_PROJECTIONS = [...correspondenceProjections, complaintLinksProjection];

export interface CorrespondenceRuntime extends SubgraphRuntime {
  readonly correspondence: CorrespondenceConfig;
  readonly blobs: BlobStore;
  readonly delivery: DeliveryAdapter;
  readonly numbering: LetterNumbering;
  /** The flows, while they run in this replica (they run once across replicas, under a lease). */
  readonly flows: CorrespondenceFlows | undefined;
}

export interface CorrespondenceRuntimeOptions extends Omit<RuntimeOptions, 'name' | 'projections'> {
  /** Overrides of the settings read from the environment (tests: no timer, a short deadline). */
  readonly correspondence?: Partial<CorrespondenceConfig>;
  readonly delivery?: DeliveryAdapter;
  readonly calendar?: WorkingCalendar;
  /** Flow retry policy (tests simulating a crash stop a flow at its first failure). */
  readonly flowRetry?: { maxAttempts?: number; retryDelayMs?: number };
}

/** The letter numbering, its template checked at start: a bad one stops the process naming the variable. */
function numberingOf(base: SubgraphRuntime, correspondence: CorrespondenceConfig): LetterNumbering {
  try {
    return new LetterNumbering(base.store, correspondence.numbering);
  } catch (err) {
    throw new ConfigError(
      `DUMAS_LETTER_NUMBER_TEMPLATE: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export async function startCorrespondenceRuntime(
  options: CorrespondenceRuntimeOptions = {},
): Promise<CorrespondenceRuntime> {
  const { correspondence: overrides, delivery: givenDelivery, calendar, flowRetry, ...rest } = options;
  const base = await startRuntime({
    ...rest,
    name: 'correspondence',
    projections: CORRESPONDENCE_PROJECTIONS,
  });
  try {
    const correspondence = { ...base.config.correspondence, ...overrides };
    const delivery = givenDelivery ?? openDeliveryAdapter(correspondence.delivery);
    const { blobs } = await base.workers.start('blobs', () => {
      const blobs = openBlobStore(correspondence.blobs);
      return { blobs, stop: () => blobs.close() };
    });
    const numbering = numberingOf(base, correspondence);
    const healed = await numbering.completePending();
    if (healed.length)
      base.logger.info({ letters: healed.length }, 'numbered approvals a crash had cut short');
    const deps = {
      store: base.store,
      // The flows' checkpoints and state: shared by the replicas, written by the lease holder alone.
      readModels: base.sharedReadModels,
      logger: base.logger,
      clock: base.clock,
      config: correspondence,
      calendar: calendar ?? WorkingCalendar.bundled(),
      blobs,
      delivery,
    };
    // The flows run once across replicas: in the replica holding their lease (on SQLite, always here).
    const running = await base.workers.startOnce('correspondence.flows', async (lease) => ({
      // Their state is written under the lease's fencing token: a superseded holder cannot commit.
      ...(await startCorrespondenceFlows(
        { ...deps, readModels: await fencedReadModels(deps.readModels, lease) },
        flowRetry,
      )),
      state: {
        // Sent by e-mail and not yet recorded as delivered: what the delivery flow still has to do.
        outboxBacklog: () => base.readModels.count(LETTERS, { where: { state: 'SENT', channel: 'EMAIL' } }),
      },
    }));
    return {
      ...base,
      correspondence,
      blobs,
      delivery,
      numbering,
      get flows() {
        return running();
      },
    };
  } catch (err) {
    await base.close();
    throw err;
  }
}

export async function createCorrespondenceServer(
  runtime: CorrespondenceRuntime,
  options: Partial<Parameters<typeof createSubgraphServer<CorrespondenceContext>>[0]> = {},
): Promise<SubgraphServer<CorrespondenceContext>> {
  const { schema } = await buildCorrespondenceSubgraph();
  const correspondence = new CorrespondenceService(runtime, runtime);
  // Uploads arrive as base64 inside the mutation: room for the largest attachment plus the rest of the request.
  const bodyLimitBytes = Math.ceil((runtime.correspondence.maxAttachmentBytes * 4) / 3) + 256 * 1024;
  // An AGENCY token whose focal point was replaced or ended is refused here and on every other subgraph.
  const authenticator = new AgencyRoster(runtime.store).authenticatorOver(options.authenticator);
  return createSubgraphServer<CorrespondenceContext>({
    name: 'correspondence',
    schema,
    logger: runtime.logger,
    config: runtime.config,
    context: (base) => ({ ...base, correspondence }),
    ready: () => Object.keys(runtime.flows?.runner.failures() ?? {}).length === 0,
    bodyLimitBytes,
    // Attachments up to the documented size arrive here, streamed, not inside a GraphQL document.
    routes: {
      [UPLOADS_PATH]: uploadRoute({
        blobs: runtime.blobs,
        maxBytes: runtime.correspondence.maxAttachmentBytes,
        authenticator,
        gateway: gatewayTrustOf(runtime.config),
        logger: runtime.logger,
      }),
    },
    ...options,
    authenticator,
  });
}

export const correspondenceSubgraph: SubgraphModule<CorrespondenceRuntime> = {
  name: 'correspondence',
  defaultPort: 4002,
  sdl: async () => (await buildCorrespondenceSubgraph()).sdl,
  start: startCorrespondenceRuntime,
  serve: createCorrespondenceServer,
};
