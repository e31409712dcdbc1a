import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { startProjections } from '../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import type { ReadModelStore } from '../../services/shared/projections/types';
import {
  CASE_STATUS_COLLECTION,
  type CaseStatusView,
  applyCaseStatus,
  caseStatusProjection,
  complaintEvents,
} from './support/case-status';
import type { ProjectionWorkerTask } from './support/projection-worker';

const repoRoot = path.resolve(__dirname, '../..');
const BATCH_SIZE = 25;

async function allViews(readModels: ReadModelStore): Promise<CaseStatusView[]> {
  return readModels.find<CaseStatusView>(CASE_STATUS_COLLECTION, { orderBy: [{ path: 'id' }] });
}

/** The read model a from-zero rebuild gives for the log up to `upTo`, one event per transaction. */
async function referenceViews(store: SqliteEventStore, upTo: number): Promise<CaseStatusView[]> {
  const reference = new SqliteReadModelStore({ file: ':memory:' });
  try {
    const events = (await store.readAll({ filter: { streamPrefixes: ['complaint-'] } })).filter(
      (e) => e.position <= upTo,
    );
    for (const event of events)
      await reference.applyBatch('reference', event.position, (tx) => applyCaseStatus(event, tx));
    return await allViews(reference);
  } finally {
    await reference.close();
  }
}

describe('a projection process killed in the middle of a batch', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-crash-'));
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a read model equal to a rebuild up to its checkpoint, and after restart equal to a full rebuild', async () => {
    const eventsFile = path.join(dir, 'events.sqlite');
    const readModelFile = path.join(dir, 'complaint.sqlite');
    const store = new SqliteEventStore({ file: eventsFile });
    for (let c = 0; c < 40; c++) {
      await store.append(`complaint-${c}`, complaintEvents(String(c)));
      if (c % 10 === 0)
        await store.append(`letter-${c}`, [
          { type: 'LetterDrafted', data: {}, metadata: { occurredAt: '2026-01-01T00:00:00.000Z' } },
        ]);
    }
    const head = await store.headPosition();

    const task: ProjectionWorkerTask = {
      events: eventsFile,
      readModels: readModelFile,
      batchSize: BATCH_SIZE,
      delayMs: 2,
    };
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(__dirname, 'support/projection-worker.ts')],
      {
        cwd: repoRoot,
        env: { ...process.env, PROJECTION_WORKER_TASK: JSON.stringify(task) },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += String(chunk);
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.on('exit', (code, signal) => resolve(signal ?? code)),
    );
    // Kill once two batches have committed and the third is half applied.
    let committed = 0;
    let appliedSinceCommit = 0;
    let lastCommitted = 0;
    await new Promise<void>((resolve, reject) => {
      exited.then(() => reject(new Error(`projection worker exited early: ${stderr}`)));
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        const [what, position] = line.split(' ');
        if (what === 'committed') {
          committed++;
          appliedSinceCommit = 0;
          lastCommitted = Number(position);
        } else if (what === 'applied') {
          appliedSinceCommit++;
          if (committed >= 2 && appliedSinceCommit === Math.floor(BATCH_SIZE / 2)) {
            child.kill('SIGKILL');
            resolve();
          }
        }
      });
    });
    expect(await exited).toBe('SIGKILL');

    const afterKill = new SqliteReadModelStore({ file: readModelFile });
    const { position: checkpoint } = await afterKill.checkpoint('case-status');
    // The parent may read the pipe a little behind the child: the child can only be further on, never behind.
    expect(checkpoint).toBeGreaterThanOrEqual(lastCommitted);
    expect(checkpoint).toBeGreaterThan(0);
    expect(checkpoint).toBeLessThan(head);
    expect(await allViews(afterKill)).toEqual(await referenceViews(store, checkpoint));

    // Restart: the runner resumes from the checkpoint and must end exactly where a rebuild from zero ends.
    const applied: number[] = [];
    const runner = await startProjections({
      store,
      readModels: afterKill,
      batchSize: BATCH_SIZE,
      projections: [
        caseStatusProjection({
          apply: (event, tx) => {
            applied.push(event.position);
            return applyCaseStatus(event, tx);
          },
        }),
      ],
    });
    await runner.waitFor(head, 10_000);
    await runner.stop();
    expect(Math.min(...applied)).toBeGreaterThan(checkpoint);

    const rebuilt = new SqliteReadModelStore({ file: path.join(dir, 'rebuilt.sqlite') });
    const fromZero = await startProjections({
      store,
      readModels: rebuilt,
      projections: [caseStatusProjection()],
    });
    await fromZero.waitFor(head, 10_000);
    await fromZero.stop();
    const expected = await allViews(rebuilt);
    expect(expected).toHaveLength(40);
    expect(expected.every((v) => v.status === 'CLOSED' && v.events === 7)).toBe(true);
    expect(await allViews(afterKill)).toEqual(expected);
    expect(await afterKill.checkpoint('case-status')).toEqual(await rebuilt.checkpoint('case-status'));

    await rebuilt.close();
    await afterKill.close();
    await store.close();
  });
});
