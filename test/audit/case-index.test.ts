/** The case index finds exactly the events the log scan finds, in the same order, for every case. */
import { CASE_INDEX_COLLECTION, caseIndexProjection, readCaseEvents } from '../../services/audit/case-events';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import type { NewEvent } from '../../services/shared/eventstore/types';
import { startProjections } from '../../services/shared/projections';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';

const at = '2026-03-02T03:00:00.000Z';
const ev = (type: string, data: unknown, caseId?: string): NewEvent => ({
  type,
  data,
  metadata: { occurredAt: at, ...(caseId ? { caseId } : {}) },
});

describe('given complaints, a letter covering two of them and a shared number register', () => {
  it('reads each case through the index exactly as the scan does, and stops at upToPosition', async () => {
    const store = new MemoryEventStore();
    const readModels = new SqliteReadModelStore({ file: ':memory:' });
    await store.append('complaint-a', [ev('ComplaintReceived', { complaintId: 'a' }, 'a')]);
    await store.append('complaint-b', [ev('ComplaintReceived', { complaintId: 'b' }, 'b')]);
    await store.append('complaint-c', [ev('ComplaintReceived', { complaintId: 'c' }, 'c')]);
    await store.append('letter-1', [ev('LetterDrafted', { letterId: '1', complaintIds: ['a', 'b'] })]);
    // Later letter events do not repeat the complaints: the letter stream joined the cases.
    await store.append('letter-1', [ev('LetterApproved', { letterId: '1' })]);
    await store.append('letterno-2026', [ev('LetterNumberReserved', { letterId: '1', seq: 1 })]);
    await store.append('complaint-a', [ev('ComplaintVerified', { by: 'x' }, 'a')]);
    await store.append('letter-1', [ev('LetterSent', { letterId: '1' })]);
    await store.append('complaint-c', [ev('ComplaintVerified', { by: 'x' }, 'c')]);

    const runner = await startProjections({ store, readModels, projections: [caseIndexProjection] });
    await runner.waitFor(await store.headPosition());
    for (const caseId of ['a', 'b', 'c', 'nobody']) {
      const scanned = await readCaseEvents(store, caseId);
      const indexed = await readCaseEvents(store, caseId, { index: readModels });
      expect(indexed.map((e) => e.position)).toEqual(scanned.map((e) => e.position));
    }
    expect((await readCaseEvents(store, 'a', { index: readModels })).map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'LetterDrafted',
      'LetterApproved',
      'ComplaintVerified',
      'LetterSent',
    ]);
    const upTo = await readCaseEvents(store, 'a', { index: readModels, upToPosition: 5 });
    expect(upTo.map((e) => e.position)).toEqual([1, 4, 5]);
    expect(await readModels.get(CASE_INDEX_COLLECTION, 'nobody')).toBeUndefined();
    await runner.stop();
    await readModels.close();
  });
});
