/**
 * A separate OS process that opens an event store and appends to it, so tests can show what happens
 * when several processes write at once, or when a writer is killed mid-batch.
 *
 *   APPEND_WORKER_TASK='{"store":{...},"plan":{...}}' node -r @swc-node/register test/support/append-worker.ts
 *
 * It prints one JSON line per committed batch ({"committed":{stream,revision,position,batch}}) when
 * `plan.report` is set, and a final {"done":{...}} line. Test side: test/support/worker-process.ts.
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, NewEvent } from '../../services/shared/eventstore/types';
import { WrongExpectedRevisionError } from '../../services/shared/eventstore/types';

/** How a child process opens the same store as the test: `(await import(module))[exportName](args)`. */
export interface WorkerStoreSpec {
  /** Absolute path to a .ts (or .js) module. */
  readonly module: string;
  readonly exportName: string;
  readonly args: unknown;
}

export interface AppendPlan {
  /** A name carried in every event's data so the test can tell the writers apart. */
  readonly worker: string;
  /** Appended to in turn, one batch at a time. */
  readonly streams: readonly string[];
  /** How many batches in all; 0 means keep going until killed. */
  readonly batches: number;
  readonly batchSize: number;
  /**
   * - `any`: no revision check;
   * - `exact`: read the stream's revision, append expecting exactly it, and start over when another
   *   writer got there first (the way a command handler retries).
   */
  readonly expectedRevision: 'any' | 'exact';
  /** Print a line after every committed batch. */
  readonly report?: boolean;
  /**
   * Print a line just before each append starts. Writes to a pipe are synchronous on Linux, so once the
   * test reads this line the batch's transaction is about to run or running: the moment to kill it.
   */
  readonly announce?: boolean;
  /**
   * Open the store, print {"ready":true}, and wait for a line on stdin before appending, so that a
   * test can release several writers at the same moment and make them contend.
   */
  readonly waitForGo?: boolean;
  /** Bytes of filler per event, to make each batch's transaction take longer. */
  readonly payloadBytes?: number;
}

export interface WorkerTask {
  readonly store: WorkerStoreSpec;
  readonly plan: AppendPlan;
}

export interface CommittedBatch {
  readonly stream: string;
  readonly batch: number;
  readonly revision: number;
  readonly position: number;
}

export interface BeginningBatch {
  readonly stream: string;
  readonly batch: number;
  readonly batchId: string;
}

export interface WorkerSummary {
  readonly worker: string;
  readonly batches: number;
  readonly events: number;
  /** Appends refused with WrongExpectedRevisionError and retried (exact mode). */
  readonly conflicts: number;
}

export async function openWorkerStore(spec: WorkerStoreSpec): Promise<EventStore> {
  const mod = (await import(spec.module)) as Record<string, unknown>;
  const open = mod[spec.exportName];
  if (typeof open !== 'function') throw new Error(`${spec.module} has no function export ${spec.exportName}`);
  return (await open(spec.args)) as EventStore;
}

function batchEvents(plan: AppendPlan, batch: number): NewEvent[] {
  const filler = plan.payloadBytes ? 'x'.repeat(plan.payloadBytes) : undefined;
  const batchId = randomUUID();
  return Array.from({ length: plan.batchSize }, (_, index) => ({
    id: randomUUID(),
    type: 'ConformanceEventAppended',
    data: { worker: plan.worker, batch, batchId, index, of: plan.batchSize, ...(filler ? { filler } : {}) },
    metadata: { occurredAt: new Date().toISOString(), correlationId: batchId },
  }));
}

export async function runPlan(
  store: EventStore,
  plan: AppendPlan,
  onCommit?: (c: CommittedBatch) => void,
  onBegin?: (b: BeginningBatch) => void,
) {
  let conflicts = 0;
  let events = 0;
  let batch = 0;
  for (; plan.batches === 0 || batch < plan.batches; batch++) {
    const stream = plan.streams[batch % plan.streams.length]!;
    const toAppend = batchEvents(plan, batch);
    for (;;) {
      try {
        const expectedRevision =
          plan.expectedRevision === 'any' ? 'any' : ((await store.streamRevision(stream)) ?? 'no_stream');
        onBegin?.({ stream, batch, batchId: (toAppend[0]!.data as { batchId: string }).batchId });
        const result = await store.append(stream, toAppend, { expectedRevision });
        onCommit?.({ stream, batch, revision: result.nextExpectedRevision, position: result.position });
        break;
      } catch (err) {
        if (err instanceof WrongExpectedRevisionError && plan.expectedRevision === 'exact') {
          conflicts++;
          continue;
        }
        throw err;
      }
    }
    events += plan.batchSize;
  }
  return { worker: plan.worker, batches: batch, events, conflicts } satisfies WorkerSummary;
}

async function main(): Promise<void> {
  const raw = process.env.APPEND_WORKER_TASK;
  if (!raw) throw new Error('APPEND_WORKER_TASK is not set');
  const task = JSON.parse(raw) as WorkerTask;
  const store = await openWorkerStore(task.store);
  try {
    if (task.plan.waitForGo) {
      process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
      await new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
      process.stdin.pause();
    }
    const summary = await runPlan(
      store,
      task.plan,
      task.plan.report ? (c) => process.stdout.write(`${JSON.stringify({ committed: c })}\n`) : undefined,
      task.plan.announce ? (b) => process.stdout.write(`${JSON.stringify({ beginning: b })}\n`) : undefined,
    );
    process.stdout.write(`${JSON.stringify({ done: summary })}\n`);
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `append-worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
