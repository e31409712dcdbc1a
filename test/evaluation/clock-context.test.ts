/**
 * The clock context held in memory (ClockContextHolder): kept between reads, reloaded once a
 * configuration event is committed, and never held from a read made while such an event was applied but
 * not yet committed.
 */
import { ClockContextHolder, createEvaluationProjection } from '../../services/evaluation/projections';
import type { RecordedEvent } from '../../services/shared/eventstore/types';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const agencyEvent = (position: number, type: string, data: Record<string, unknown>): RecordedEvent => ({
  id: `e${position}`,
  streamId: 'agency-a',
  revision: position - 1,
  position,
  type,
  data,
  metadata: { occurredAt: '2026-03-02T02:00:00.000Z' },
  recordedAt: '2026-03-02T02:00:00.000Z',
  hash: '',
  previousHash: '',
});

describe('given a holder fed by the evaluation projection', () => {
  const store = new SqliteReadModelStore({ file: ':memory:' });
  let committed = 0;
  const holder = new ClockContextHolder().bind(store, () => committed);
  const projection = createEvaluationProjection({ configuration: holder });
  const apply = (event: RecordedEvent, during?: () => Promise<void>) =>
    store.applyBatch(projection.name, event.position, async (tx) => {
      await projection.apply(event, tx);
      await during?.();
    });
  afterAll(() => store.close());

  it('holds the context between reads and reloads it after a committed change', async () => {
    await apply(agencyEvent(1, 'AgencyCreated', { agencyId: 'a', regionCode: '34' }));
    committed = 1;
    const first = await holder.context();
    expect(first.regionOfAgency?.('a')).toBe('34');
    expect(await holder.context()).toBe(first);

    await apply(agencyEvent(2, 'AgencyUpdated', { agencyId: 'a', changes: { regionCode: '35' } }));
    committed = 2;
    const second = await holder.context();
    expect(second).not.toBe(first);
    expect(second.regionOfAgency?.('a')).toBe('35');
  });

  it('does not hold what it read while a change was applied but not committed', async () => {
    let duringCommit: string | undefined;
    await apply(
      agencyEvent(3, 'AgencyUpdated', { agencyId: 'a', changes: { regionCode: '36' } }),
      async () => {
        duringCommit = (await holder.context()).regionOfAgency?.('a');
      },
    );
    expect(duringCommit).toBe('35');
    committed = 3;
    expect((await holder.context()).regionOfAgency?.('a')).toBe('36');
  });

  it('an unfollowed holder reads the store each time', async () => {
    const unfollowed = new ClockContextHolder().bind(store, () => committed, false);
    expect(await unfollowed.context()).not.toBe(await unfollowed.context());
  });
});
