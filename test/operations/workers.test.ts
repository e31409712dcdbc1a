/**
 * The runtime's workers (services/shared/workers/registry.ts): started in order, stopped newest first
 * with the work done once stopped before the rest; work done once runs in one replica at a time and moves
 * to another when its holder stops.
 */
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { localLeases, postgresLeases } from '../../services/shared/leases';
import { createWorkers } from '../../services/shared/workers/registry';
import { createTestDatabase, requirePostgres } from '../support/postgres';

const describePg = requirePostgres('workers across replicas') ? describe : describe.skip;

const store = new SqliteEventStore({ file: ':memory:' });
afterAll(() => store.close());

function recorder() {
  const log: string[] = [];
  const work = (name: string) => () => {
    log.push(`start ${name}`);
    return {
      async stop() {
        log.push(`stop ${name}`);
      },
    };
  };
  return { log, work };
}

describe('given a runtime’s workers', () => {
  it('starts them in order and stops the work done once first, then the rest newest first', async () => {
    const { log, work } = recorder();
    const workers = createWorkers('complaint', store, localLeases());
    await workers.start('projections', work('projections'));
    const flows = await workers.startOnce('flows', work('flows'));
    await workers.start('channels', work('channels'));
    await workers.startOnce('poll', work('poll'));
    expect(flows()).toBeDefined();
    expect(workers.running()).toEqual(['projections', 'channels', 'flows', 'poll']);
    await workers.stop();
    expect(log).toEqual([
      'start projections',
      'start flows',
      'start channels',
      'start poll',
      'stop poll',
      'stop flows',
      'stop channels',
      'stop projections',
    ]);
    expect(flows()).toBeUndefined();
  });
});

describePg('given two replicas’ workers on one PostgreSQL', () => {
  it('runs work done once in one replica, and in the other once the first stops', async () => {
    const db = await createTestDatabase('workers');
    const { log, work } = recorder();
    const a = createWorkers(
      'complaint',
      store,
      await postgresLeases({ url: db.url, holder: 'a', ttlMs: 600 }),
    );
    const b = createWorkers(
      'complaint',
      store,
      await postgresLeases({ url: db.url, holder: 'b', ttlMs: 600 }),
    );
    try {
      const inA = await a.startOnce('channels.intake', work('a'));
      const inB = await b.startOnce('channels.intake', work('b'));
      expect([inA() !== undefined, inB() !== undefined]).toEqual([true, false]);
      await a.stop();
      const deadline = Date.now() + 5000;
      while (!inB() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(log).toEqual(['start a', 'stop a', 'start b']);
    } finally {
      await b.stop();
      await db.drop();
    }
  });
});
