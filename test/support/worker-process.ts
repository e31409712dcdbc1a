import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import readline from 'node:readline';
import type { AppendPlan, CommittedBatch, WorkerStoreSpec, WorkerSummary } from './append-worker';

const repoRoot = path.resolve(__dirname, '../..');
const workerEntry = path.join(__dirname, 'append-worker.ts');

export interface AppendWorkerProcess {
  readonly child: ChildProcess;
  /** Resolves with the worker's summary when it exits cleanly; rejects with its stderr otherwise. */
  readonly done: Promise<WorkerSummary>;
  /** Batches the worker has reported as committed so far (when `plan.report` is set). */
  readonly committed: CommittedBatch[];
  /** Resolves once at least `count` batches have been reported committed. */
  committedAtLeast(count: number): Promise<void>;
}

/** Starts test/support/append-worker.ts in its own OS process under @swc-node/register. */
export function spawnAppendWorker(store: WorkerStoreSpec, plan: AppendPlan): AppendWorkerProcess {
  const child = spawn(process.execPath, ['-r', '@swc-node/register', workerEntry], {
    cwd: repoRoot,
    env: { ...process.env, APPEND_WORKER_TASK: JSON.stringify({ store, plan }) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const committed: CommittedBatch[] = [];
  const listeners = new Set<() => void>();
  let summary: WorkerSummary | undefined;
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { committed?: CommittedBatch; done?: WorkerSummary };
    if (message.committed) committed.push(message.committed);
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
  const committedAtLeast = (count: number) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (committed.length >= count) {
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
  return { child, done, committed, committedAtLeast };
}
