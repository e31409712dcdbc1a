/**
 * A projection process the crash test can SIGKILL: it runs the projection runner over a SQLite event
 * store and a SQLite read model, with a case-status projection slowed down per event so that the kill
 * lands inside a batch. It reports on stdout, synchronously so no line is lost to the kill:
 *   `applied <position>` before each event is applied, `committed <position>` after each batch commits.
 *
 *   PROJECTION_WORKER_TASK='{"events":"…","readModels":"…","batchSize":25,"delayMs":2}' \
 *     node -r @swc-node/register test/projections/support/projection-worker.ts
 */
import fs from 'node:fs';
import { SqliteEventStore } from '../../../services/shared/eventstore/sqlite';
import { startProjections } from '../../../services/shared/projections/runner';
import { SqliteReadModelStore } from '../../../services/shared/projections/sqlite-read-model';
import type { ReadModelStore } from '../../../services/shared/projections/types';
import { applyCaseStatus, caseStatusProjection } from './case-status';

export interface ProjectionWorkerTask {
  readonly events: string;
  readonly readModels: string;
  readonly batchSize: number;
  readonly delayMs: number;
}

const say = (line: string) => fs.writeSync(1, `${line}\n`);

async function main(): Promise<void> {
  const task = JSON.parse(process.env.PROJECTION_WORKER_TASK ?? '') as ProjectionWorkerTask;
  const store = new SqliteEventStore({ file: task.events });
  const sqlite = new SqliteReadModelStore({ file: task.readModels });
  const readModels: ReadModelStore = Object.create(sqlite);
  readModels.applyBatch = async (projection, position, fn) => {
    await sqlite.applyBatch(projection, position, fn);
    say(`committed ${position}`);
  };
  await startProjections({
    store,
    readModels,
    batchSize: task.batchSize,
    projections: [
      caseStatusProjection({
        apply: async (event, tx) => {
          say(`applied ${event.position}`);
          await new Promise((resolve) => setTimeout(resolve, task.delayMs));
          await applyCaseStatus(event, tx);
        },
      }),
    ],
  });
  say('started');
  // Runs until killed: the runner follows the log live.
}

main().catch((error: unknown) => {
  process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`);
  process.exit(1);
});
