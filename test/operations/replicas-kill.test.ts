/**
 * Replicas on a real PostgreSQL, killed mid-load: two replicas of every subgraph and two gateways
 * (services/cli/cluster.ts, as `npm run start:cluster -- --replicas 2` runs them); clients file, verify
 * and forward complaints through both gateways; half-way `kill -9` takes one replica of each subgraph
 * and one gateway; clients retry on the other gateway. Afterwards:
 * - every acknowledged command is in the log;
 * - no letter, reminder, breach or checkpoint was written twice (work done once across replicas);
 * - a replica's read models rebuilt from zero equal those of the replica that lived through the kill;
 * - subscribers on the surviving gateway, resuming by position when their upstream replica died (at
 *   least one of them does), received every case event of the run exactly once, in order;
 * - `audit verify --all` passes.
 * Its own file, so CI runs it beside the rest.
 */
import { Client as PgClient } from 'pg';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type Cluster, type ReplicaProcess, startCluster } from '../../services/cli/cluster';
import { main as audit } from '../../services/cli/audit';
import { mintToken } from '../../services/shared/auth';
import { createTestDatabase, requirePostgres } from '../support/postgres';
import { freePortBlock } from '../support/ports';

const describePg = requirePostgres('replicas killed mid-load') ? describe : describe.skip;
const SECRET = 'replicas-kill-test-secret-0123456789-abcdef';
const COMPLAINTS = 8;
const WORKERS = 4;
const SUBGRAPH_NAMES = ['complaint', 'correspondence', 'evaluation'];

interface Row {
  position: string;
  stream_id: string;
  type: string;
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

class Unreachable extends Error {}

const began = Date.now();
/** Progress to stderr when DUMAS_TEST_PROGRESS is set (this test runs for a while). */
const progress = (what: string) => {
  if (process.env.DUMAS_TEST_PROGRESS)
    process.stderr.write(`[replicas-kill +${((Date.now() - began) / 1000).toFixed(0)}s] ${what}\n`);
};

/** One GraphQL request to one gateway; network failures and 5xx are Unreachable (the client retries). */
async function gql(
  url: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
): Promise<{ data?: Record<string, unknown>; errors?: { extensions?: { code?: string } }[] }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
  } catch (err) {
    throw new Unreachable(String(err));
  }
  const body = (await res.json().catch(() => ({}))) as {
    data?: Record<string, unknown>;
    errors?: { extensions?: { code?: string } }[];
  };
  const code = body.errors?.[0]?.extensions?.code;
  if (res.status >= 500 || code === 'BAD_GATEWAY' || code === 'INTERNAL_SERVER_ERROR') {
    throw new Unreachable(`${res.status} ${code ?? ''}`);
  }
  return body;
}

/**
 * A command sent to the gateways in turn until one answers. A retry of a command that had in fact
 * committed is refused as a transition already made (`alreadyDone`), which the client takes as done.
 */
async function command(
  gateways: () => string[],
  token: string,
  query: string,
  variables: Record<string, unknown>,
  alreadyDone: string[] = [],
): Promise<Record<string, unknown> | 'already done'> {
  const deadline = Date.now() + 60_000;
  let attempt = 0;
  let retried = false;
  for (;;) {
    const urls = gateways();
    const url = urls[attempt++ % urls.length]!;
    try {
      const { data, errors } = await gql(url, token, query, variables);
      if (errors?.length) {
        const code = errors[0]!.extensions?.code ?? '';
        if (retried && alreadyDone.includes(code)) return 'already done';
        throw new Error(`refused: ${JSON.stringify(errors)}`);
      }
      return data!;
    } catch (err) {
      if (!(err instanceof Unreachable) || Date.now() > deadline) throw err;
      retried = true;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** A caseEvents subscriber on one gateway that resumes after the last position whenever it is cut off. */
function resumingSubscriber(wsUrl: string, token: string, after: string, operationName = 'S') {
  const positions: string[] = [];
  let stopped = false;
  let resumes = 0;
  let dispose: (() => Promise<void>) | undefined;
  /** Ends the current connection's wait (a disposed client does not always call the sink back). */
  let cut: (() => void) | undefined;
  const run = async () => {
    while (!stopped) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        on: { closed: () => cut?.() },
      });
      dispose = async () => {
        cut?.();
        await client.dispose();
      };
      await new Promise<void>((resolve) => {
        cut = resolve;
        client.subscribe(
          {
            query: `subscription ${operationName}($after: String) { caseEvents(after: $after) { position type } }`,
            variables: { after: positions.at(-1) ?? after },
          },
          {
            next: (result) => {
              const event = (result.data as { caseEvents?: { position: string } } | undefined)?.caseEvents;
              if (event) positions.push(event.position);
            },
            error: () => resolve(),
            complete: () => resolve(),
          },
        );
      });
      await client.dispose();
      if (!stopped) {
        resumes++;
        await new Promise((r) => setTimeout(r, 300));
      }
    }
  };
  const running = run();
  return {
    positions,
    resumes: () => resumes,
    async stop() {
      stopped = true;
      await dispose?.();
      await running;
    },
  };
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describePg('given two replicas of every service on PostgreSQL, one of each killed mid-load', () => {
  jest.setTimeout(420_000);
  let db: { url: string; drop(): Promise<void> };
  let cluster: Cluster | undefined;
  let pg: PgClient;
  // The cluster's ports (services/cli/cluster.ts): the gateways' front at PORT, the subgraphs' fronts at
  // PORT+1…, the gateways at PORT+100+r, the subgraphs at PORT+110+10i+r. Free when chosen, in a range no
  // other test picks from (production.e2e.test.ts takes the one below).
  const OFFSETS = [0, 1, 2, 3, 101, 102, ...[0, 1, 2].flatMap((i) => [111 + 10 * i, 112 + 10 * i])];
  let port: number;
  /** The complaint subgraph's round-robin front (services/cli/cluster.ts: PORT+1 for the first subgraph). */
  let complaintFront: string;

  beforeAll(async () => {
    port = await freePortBlock(OFFSETS, { from: 26_000, to: 32_000 });
    complaintFront = `http://127.0.0.1:${port + 1}`;
    db = await createTestDatabase('replicas_kill');
    cluster = await startCluster({
      replicas: 2,
      port,
      postgresUrl: db.url,
      stdio: 'ignore',
      env: {
        LOG_LEVEL: 'silent',
        DUMAS_JWT_SECRET: SECRET,
        DUMAS_CHECKPOINT_INTERVAL_MS: '1000',
        DUMAS_LIMIT_PUBLIC_MUTATIONS_PER_MINUTE: String(1e9),
      },
    });
    pg = new PgClient({ connectionString: db.url });
    progress('cluster up');
    await pg.connect();
  });

  afterAll(async () => {
    await pg?.end();
    await cluster?.stop();
    await db?.drop();
  });

  // Ordered by the bigint column, not the text it is selected as: a bare `ORDER BY position` names the
  // output column `position::text` and sorts positions as strings ('107' before '27').
  const log = async (afterPosition = 0): Promise<Row[]> =>
    (
      await pg.query<Row>(
        'SELECT position::text, stream_id, type, data, metadata FROM dumas_events.events e WHERE e.position > $1 ORDER BY e.position',
        [afterPosition],
      )
    ).rows;

  it('loses no acknowledged command, does nothing twice, and its read models equal a rebuild', async () => {
    try {
      await scenario();
    } catch (err) {
      progress(`failed: ${String((err as Error).message).slice(0, 3000)}`);
      throw err;
    }
  });

  async function scenario(): Promise<void> {
    const c = cluster!;
    const officer = await mintToken({ sub: 'officer-kill', role: 'OFFICER', ttl: '1h' }, SECRET);
    const [g1, g2] = c.replicas.filter((r) => r.service === 'gateway') as [ReplicaProcess, ReplicaProcess];
    const alive = new Set([g1, g2]);
    const gateways = () => [...alive].map((g) => `${g.url}/graphql`);
    const start = (
      await pg.query<{ head: string }>('SELECT coalesce(max(position), 0) AS head FROM dumas_events.events')
    ).rows[0]!.head;
    // Subscribers on the surviving gateway, each its own caller and its own operation (subscribers of one
    // class — role, agency, operation — share one upstream: apart, each has its own), opened one after
    // another through the complaint front's rotation, with one more
    // request to that front before the third: whatever number of front requests a subscription takes, the
    // three cannot all land on one complaint replica, so at least one loses its upstream to the kill.
    const subscribers: ReturnType<typeof resumingSubscriber>[] = [];
    for (const n of [1, 2, 3]) {
      if (n === 3) await fetch(`${complaintFront}/ready`);
      const caller = await mintToken({ sub: `subscriber-${n}`, role: 'OFFICER', ttl: '1h' }, SECRET);
      subscribers.push(resumingSubscriber(`ws://127.0.0.1:${g1.port}/graphql`, caller, start, `S${n}`));
      await new Promise((r) => setTimeout(r, 1_000));
    }

    // The load: each worker files, verifies and forwards complaints, through both gateways in turn.
    const acknowledged: { id: string; filed: boolean; verified: boolean; forwarded: boolean }[] = [];
    let done = 0;
    let killed = false;
    const kill = () => {
      killed = true;
      progress('kill -9');
      for (const name of [...SUBGRAPH_NAMES, 'gateway']) {
        const victim = c.replicas.find((r) => r.service === name && r.replica === 2)!;
        victim.child.kill('SIGKILL');
      }
      alive.delete(g2);
    };
    const worker = async (w: number) => {
      for (let i = w; i < COMPLAINTS; i += WORKERS) {
        const filed = (await command(
          gateways,
          officer,
          'mutation F($input: FileComplaintInput!) { fileComplaint(input: $input) { complaint { id } } }',
          {
            input: {
              channel: 'LETTER',
              channelReference: `K-${i}/DIY/2026`,
              subject: `Jalan rusak nomor ${i}`,
              description: 'Jalan desa rusak sejak dua tahun dan belum diperbaiki.',
              complainant: { name: 'Siti Rahayu', phone: '081234567890' },
              idempotencyKey: `replicas-kill-${i}`,
            },
          },
        )) as { fileComplaint: { complaint: { id: string } } };
        const ack = { id: filed.fileComplaint.complaint.id, filed: true, verified: false, forwarded: false };
        acknowledged.push(ack);
        await command(
          gateways,
          officer,
          'mutation V($id: ID!) { verifyComplaint(id: $id) { id } }',
          { id: ack.id },
          ['INVALID_TRANSITION'],
        );
        ack.verified = true;
        await command(
          gateways,
          officer,
          'mutation W($id: ID!) { forwardComplaint(id: $id, agencyIds: ["inspektorat-bantul"]) { id } }',
          { id: ack.id },
          ['INVALID_TRANSITION'],
        );
        ack.forwarded = true;
        progress(`complaint ${i} forwarded`);
        if (++done === COMPLAINTS / 2 && !killed) kill();
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    progress('load done');
    expect(killed).toBe(true);
    expect(acknowledged.filter((a) => a.forwarded)).toHaveLength(COMPLAINTS);

    // The flows (now in the surviving correspondence replica, or taken over from the dead one) draft one
    // follow-up request per forwarding.
    const forwarded = new Set(acknowledged.map((a) => a.id));
    const drafts = async () =>
      (await log(Number(start))).filter(
        (e) =>
          e.type === 'LetterDrafted' &&
          (e.data.complaintIds as string[] | undefined)?.some((id) => forwarded.has(id)),
      );
    await eventually(async () => (await drafts()).length >= COMPLAINTS, 90_000, 'a follow-up per forwarding');
    progress('drafts in');

    // Every acknowledged command is in the log.
    const events = await log(Number(start));
    for (const ack of acknowledged) {
      const types = events.filter((e) => e.metadata.caseId === ack.id).map((e) => e.type);
      expect(types).toEqual(expect.arrayContaining(['ComplaintVerified', 'ComplaintForwarded']));
      expect(types.some((t) => /Filed|Received/.test(t))).toBe(true);
    }

    // Nothing done twice: letters (follow-ups and reminders) by what they are for, breaches by clock,
    // checkpoints by sequence number.
    const all = await log(0);
    const once = (rows: Row[], key: (r: Row) => string) => {
      const keys = rows.map(key);
      expect(keys.length).toBe(new Set(keys).size);
    };
    // A letter is drafted once per stream (its id derives from what it is for), and the run's forwardings
    // drew exactly one follow-up request each.
    once(
      all.filter((e) => e.type === 'LetterDrafted'),
      (e) => e.stream_id,
    );
    expect(await drafts()).toHaveLength(COMPLAINTS);
    once(
      all.filter((e) => e.type === 'DeadlineBreached'),
      (e) => `${e.stream_id}:${JSON.stringify(e.data)}`,
    );
    const checkpoints = all.filter((e) => e.type === 'CheckpointSigned');
    expect(checkpoints.length).toBeGreaterThan(0);
    once(checkpoints, (e) => String(e.data.seq));
    expect(checkpoints.map((e) => e.data.seq)).toEqual(checkpoints.map((_, i) => i + 1));

    // The subscribers on the surviving gateway: every case event of the run, once, in order.
    progress('log checked');
    const head = Number(all.at(-1)!.position);
    // A case's events, as the subscription counts them (services/audit/case-events.ts): those its
    // commands recorded (metadata.caseId), the evaluation's about it (data.complaintId) and the letters
    // covering it (data.complaintIds), here the follow-up requests the flows drafted.
    const ofCase = (e: Row) => {
      const data = e.data as { complaintId?: unknown; complaintIds?: unknown } | null;
      return (
        forwarded.has(String(e.metadata.caseId)) ||
        forwarded.has(String(data?.complaintId)) ||
        (Array.isArray(data?.complaintIds) && data.complaintIds.some((id) => forwarded.has(String(id))))
      );
    };
    const caseEvents = events.filter(ofCase);
    expect(caseEvents.filter((e) => e.type === 'LetterDrafted')).toHaveLength(COMPLAINTS);
    const last = Number(caseEvents.at(-1)!.position);
    await eventually(
      async () => subscribers.every((s) => s.positions.some((p) => Number(p.split(':')[0]) >= last)),
      30_000,
      'the subscribers reach the last case event',
    );
    for (const subscriber of subscribers) {
      await subscriber.stop();
      const received = subscriber.positions;
      expect(new Set(received).size).toBe(received.length);
      const numeric = received.map((p) => Number(p.split(':')[0]));
      expect([...numeric].sort((a, b) => a - b)).toEqual(numeric);
      const seen = new Set(numeric);
      const missed = caseEvents.filter((e) => !seen.has(Number(e.position)));
      expect(missed.map((e) => `${e.position} ${e.type}`)).toEqual([]);
    }
    const resumes = subscribers.map((s) => s.resumes());
    progress(`subscribers: ${caseEvents.length} case events in the log, resumes ${resumes.join(', ')}`);
    expect(Math.max(...resumes)).toBeGreaterThan(0);

    // Read models: the killed replicas come back rebuilding from zero (their schemas dropped); once they
    // and the survivors have passed the same head, their documents are equal.
    for (const name of SUBGRAPH_NAMES) await pg.query(`DROP SCHEMA IF EXISTS rm_${name}_r2 CASCADE`);
    for (const name of SUBGRAPH_NAMES) {
      const dead = c.replicas.find((r) => r.service === name && r.replica === 2)!;
      await c.restart(dead);
      progress(`${name} r2 restarted`);
    }
    const passed = async (schema: string) => {
      const { rows } = await pg.query<{ low: string | null }>(
        `SELECT min(position)::text AS low FROM ${schema}.checkpoints`,
      );
      return rows[0]!.low !== null && Number(rows[0]!.low) >= head;
    };
    const documents = async (schema: string) =>
      (
        await pg.query<{ collection: string; id: string; doc: unknown }>(
          `SELECT collection, id, doc FROM ${schema}.documents ORDER BY collection, id`,
        )
      ).rows;
    for (const name of SUBGRAPH_NAMES) {
      await eventually(
        async () => (await passed(`rm_${name}_r1`)) && (await passed(`rm_${name}_r2`)),
        90_000,
        `${name} replicas past position ${head}`,
      );
      expect(await documents(`rm_${name}_r2`)).toEqual(await documents(`rm_${name}_r1`));
      progress(`${name} read models equal a rebuild`);
    }

    // The whole log verifies against the signed checkpoints.
    const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      expect(
        await audit(['verify', '--all'], {
          DUMAS_STORE: 'postgres',
          DUMAS_POSTGRES_URL: db.url,
          DUMAS_DATA_DIR: c.dataDir,
          DUMAS_JWT_SECRET: SECRET,
        }),
      ).toBe(0);
    } finally {
      write.mockRestore();
    }
  }
});
