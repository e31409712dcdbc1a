/**
 * The agency roster reads, before each answer, only what was appended since its last look: in a store
 * of complaints the agency events lie far back, and reading on from the last of them would scan the
 * log on every request.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { AgencyRoster } from '../../services/correspondence/roster';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { ReadAllOptions } from '../../services/shared/eventstore/types';
import { joinAgencies } from '../support/federation';

let dir: string;
let store: SqliteEventStore;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-roster-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const otherEvents = (n: number) =>
  store.append(
    'complaint-elsewhere',
    Array.from({ length: n }, (_, i) => ({
      id: randomUUID(),
      type: 'Noted',
      data: { i },
      metadata: { occurredAt: '2026-01-03T00:00:00.000Z' },
    })),
  );

describe('given an agency joined long ago and many other events since', () => {
  it('reads on from the head it last saw, and not at all when nothing was appended', async () => {
    await joinAgencies(store, ['inspektorat-bantul']);
    await otherEvents(500);
    const reads: ReadAllOptions[] = [];
    const readAll = store.readAll.bind(store);
    store.readAll = (options?: ReadAllOptions) => {
      reads.push(options ?? {});
      return readAll(options);
    };
    const roster = new AgencyRoster(store);
    const pic = { id: 'pic-inspektorat-bantul', role: 'AGENCY', agencyId: 'inspektorat-bantul' } as const;
    expect(await roster.speaksForAgency(pic)).toBe(true);
    expect(reads.map((r) => r.fromPosition)).toEqual([0]);
    // Nothing new: no read at all.
    expect(await roster.speaksForAgency(pic)).toBe(true);
    expect(reads).toHaveLength(1);
    // New events: the read starts at the head seen before, not at the agency's last event.
    const head = await store.headPosition();
    await otherEvents(3);
    await roster.agency('inspektorat-bantul');
    expect(reads.map((r) => r.fromPosition)).toEqual([0, head]);
  });
});
