/**
 * Claims tracking numbers from its own OS process against a shared SQLite event store, so the
 * uniqueness test covers writers that share nothing but the database file. Prints one JSON line.
 * Task (env CLAIM_WORKER_TASK): { file, worker, count, space }.
 */
import { TrackingNumberService } from '../../services/complaint/tracking-number';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';

async function main(): Promise<void> {
  const task = JSON.parse(process.env.CLAIM_WORKER_TASK ?? '{}') as {
    file: string;
    worker: string;
    count: number;
    space: number;
  };
  const store = new SqliteEventStore({ file: task.file });
  // A small number space forces collisions between the processes: the retry path is what is under test.
  const service = new TrackingNumberService(store, {
    random: () => Math.floor(Math.random() * task.space),
    maxAttempts: 1000,
  });
  const claims = await Promise.all(
    Array.from({ length: task.count }, async (_, i) => {
      const complaintId = `${task.worker}-${i}`;
      const trackingNumber = await service.claim(complaintId, 2026, { now: new Date().toISOString() });
      return { complaintId, trackingNumber };
    }),
  );
  await store.close();
  process.stdout.write(`${JSON.stringify({ claims })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
