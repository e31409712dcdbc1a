import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type {
  AppendPlan,
  BeginningBatch,
  CommittedBatch,
  WorkerStoreSpec,
  WorkerSummary,
} from './append-worker';

const repoRoot = path.resolve(__dirname, '../..');
const workerEntry = path.join(__dirname, 'append-worker.ts');

export interface AppendWorkerProcess {
  readonly child: ChildProcess;
  /** Resolves with the worker's summary when it exits cleanly; rejects with its stderr otherwise. */
  readonly done: Promise<WorkerSummary>;
  /** Batches the worker has reported as committed so far (when `plan.report` is set). */
  readonly committed: CommittedBatch[];
  /** Batches the worker has announced it is about to append (when `plan.announce` is set). */
  readonly beginning: BeginningBatch[];
  /** Resolves when the worker has opened the store and waits for `go()` (plan.waitForGo). */
  readonly ready: Promise<void>;
  /** Releases a worker started with plan.waitForGo. */
  go(): void;
  /** Resolves once at least `count` batches have been reported committed. */
  committedAtLeast(count: number): Promise<void>;
  /** Resolves once at least `count` batches have been announced. */
  beganAtLeast(count: number): Promise<void>;
}

/** Starts test/support/append-worker.ts in its own OS process under @swc-node/register. */
export function spawnAppendWorker(store: WorkerStoreSpec, plan: AppendPlan): AppendWorkerProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', workerEntry], {
    cwd: repoRoot,
    env: { ...process.env, APPEND_WORKER_TASK: JSON.stringify({ store, plan }) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  // A worker that already died cannot take its go signal; that failure surfaces through `done`.
  child.stdin!.on('error', () => undefined);
  const committed: CommittedBatch[] = [];
  const beginning: BeginningBatch[] = [];
  const listeners = new Set<() => void>();
  let summary: WorkerSummary | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as {
      ready?: boolean;
      committed?: CommittedBatch;
      beginning?: BeginningBatch;
      done?: WorkerSummary;
    };
    if (message.ready) markReady();
    if (message.committed) committed.push(message.committed);
    if (message.beginning) beginning.push(message.beginning);
    if (message.done) summary = message.done;
    for (const listener of [...listeners]) listener();
  });
  const done = new Promise<WorkerSummary>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      for (const listener of [...listeners]) listener();
      if (code === 0 && summary) resolve(summary);
      else
        reject(
          new Error(`append worker ${plan.worker} ended with ${signal ?? code}: ${stderr.slice(-2000)}`),
        );
    });
  });
  // A killed worker is expected in some tests; they inspect `done` themselves.
  done.catch(() => undefined);
  const atLeast = (list: readonly unknown[], count: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (list.length >= count) {
          listeners.delete(check);
          resolve();
        } else if (child.exitCode !== null || child.signalCode !== null) {
          listeners.delete(check);
          reject(
            new Error(`append worker ${plan.worker} ended after ${committed.length} batches: ${stderr}`),
          );
        }
      };
      listeners.add(check);
      check();
    });
  return {
    child,
    done,
    // A worker that dies before it is ready releases the wait; its failure surfaces through `done`.
    ready: Promise.race([
      ready,
      done.then(
        () => undefined,
        () => undefined,
      ),
    ]),
    go: () => {
      child.stdin!.end('go\n');
    },
    committed,
    beginning,
    committedAtLeast: (count) => atLeast(committed, count),
    beganAtLeast: (count) => atLeast(beginning, count),
  };
}
