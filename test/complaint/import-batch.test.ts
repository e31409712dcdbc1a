/**
 * The importer's batches on a real SQLite store: the cases of a batch commit together, and a batch that
 * cannot commit whole (another writer created one of its cases meanwhile) is written case by case, so
 * no case is ever half there and nothing is doubled.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import os from 'node:os';
import path from 'node:path';
import { seedAgencies } from '../../services/cli/seed';
import { complaintStreamId } from '../../services/complaint/domain/constants';
import { channelComplaintId } from '../../services/complaint/import/importer';
import { SHEET_MAPPING } from '../../services/complaint/import/mapping';
import { runImport } from '../../services/complaint/import/run';
import {
  parseTrackingNumber,
  TrackingNumberService,
  trackingNumberStreamId,
} from '../../services/complaint/tracking-number';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { EventStore, StreamAppend } from '../../services/shared/eventstore/types';
import { openKeyVault } from '../../services/shared/pii';
import type { KeyVault } from '../../services/shared/pii/vault';

const HEADER =
  'reference,channel,received_at,subject,description,name,email,agencies,forwarded_at,responded_at,response,closed_at';
const row = (ref: string) =>
  `${ref},LETTER,2026-03-02 09:00,Jalan rusak,Jalan desa rusak,Contoh Warga,warga@contoh.invalid,Inspektorat Kabupaten Bantul,2026-03-03 10:00,2026-03-10 10:00,Sudah ditambal,2026-03-11 10:00`;

let dir: string;
let store: SqliteEventStore;
let vault: KeyVault;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-import-batch-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  vault = openKeyVault(loadConfig({ DUMAS_DATA_DIR: dir }));
  await seedAgencies(store, new Date('2026-01-02T00:00:00Z'));
});

afterAll(async () => {
  await store.close();
  await vault.close();
  rmSync(dir, { recursive: true, force: true });
});

const file = (name: string, refs: readonly string[]) => {
  const f = path.join(dir, name);
  writeFileSync(f, `${HEADER}\n${refs.map(row).join('\n')}\n`);
  return f;
};

const caseOf = (ref: string) => store.readStream(complaintStreamId(channelComplaintId('LETTER', ref)));

describe('given rows imported in batches', () => {
  it('takes a reference given twice in one file once, the second as already present', async () => {
    const report = await runImport({
      file: file('twice.csv', ['B-1', 'B-2', 'B-1']),
      mapping: SHEET_MAPPING,
      store,
      vault,
    });
    expect(report).toMatchObject({ read: 3, imported: 2, alreadyPresent: 1, refused: 0 });
    expect((await caseOf('B-1')).map((e) => e.type)).toEqual([
      'ComplaintReceived',
      'ComplaintVerified',
      'ComplaintForwarded',
      'AgencyResponseRecorded',
      'ComplaintResolved',
      'ComplaintClosed',
    ]);
  });

  it('writes case by case when another writer created one of the batch’s cases meanwhile', async () => {
    // Another importer takes C-2 in between the check and the commit of this batch.
    const theirs = file('theirs.csv', ['C-2']);
    const racing: EventStore = Object.create(store, {
      appendMany: {
        value: async (appends: readonly StreamAppend[]) => {
          if ((await caseOf('C-2')).length === 0)
            await runImport({ file: theirs, mapping: SHEET_MAPPING, store, vault });
          return store.appendMany(appends);
        },
      },
    });
    const head = await store.headPosition();
    const report = await runImport({
      file: file('race.csv', ['C-1', 'C-2', 'C-3']),
      mapping: SHEET_MAPPING,
      store: racing,
      vault,
    });
    expect(report).toMatchObject({ read: 3, imported: 2, alreadyPresent: 1, refused: 0 });
    for (const ref of ['C-1', 'C-2', 'C-3']) expect(await caseOf(ref)).toHaveLength(6);
    // Nothing of the failed batch commit is left: three whole cases and their claims, theirs included.
    const added = await store.readAll({ fromPosition: head });
    expect(added).toHaveLength(3 * (6 + 1));
  });

  it('draws again, before the commit, a tracking number the store already holds (on one thread)', async () => {
    await runImport({ file: file('first.csv', ['D-0']), mapping: SHEET_MAPPING, store, vault });
    const [received] = await caseOf('D-0');
    const taken = (received!.data as { trackingNumber: string }).trackingNumber;
    const { serial } = parseTrackingNumber(taken)!;
    // The first number drawn next is D-0's; the rest are drawn as usual.
    const draft = TrackingNumberService.prototype.draft;
    let first = true;
    const spy = jest.spyOn(TrackingNumberService.prototype, 'draft').mockImplementation(function (
      this: TrackingNumberService,
      ...args
    ) {
      if (!first) return draft.apply(this, args);
      first = false;
      return draft.apply({ random: () => serial } as unknown as TrackingNumberService, args);
    });
    let commits = 0;
    const counting: EventStore = Object.create(store, {
      appendMany: {
        value: (appends: readonly StreamAppend[]) => {
          commits++;
          return store.appendMany(appends);
        },
      },
    });
    try {
      // The spy draws on this thread; the worker thread draws in its own realm (next test).
      const report = await runImport({
        file: file('taken.csv', ['D-1', 'D-2']),
        mapping: SHEET_MAPPING,
        store: counting,
        vault,
        worker: false,
      });
      expect(report).toMatchObject({ read: 2, imported: 2, refused: 0 });
    } finally {
      spy.mockRestore();
    }
    expect(first).toBe(false);
    // One commit: the taken number never reached the transaction (which would have refused it whole).
    expect(commits).toBe(1);
    const numbers = await Promise.all(
      ['D-1', 'D-2'].map(
        async (ref) => ((await caseOf(ref))[0]!.data as { trackingNumber: string }).trackingNumber,
      ),
    );
    expect(new Set([...numbers, taken]).size).toBe(3);
    expect(await store.readStream(trackingNumberStreamId(taken))).toHaveLength(1);
  });

  it('imports after its batch, with a number drawn again, a case whose number was claimed after the worker drew it', async () => {
    // Another writer claims the first number the worker drew, between its draw and this thread's check.
    let theirs: string | undefined;
    let commits = 0;
    const racing: EventStore = Object.create(store, {
      streamRevisions: {
        value: async (streamIds: readonly string[]) => {
          const claim = streamIds.find((id) => id.startsWith('tracking-number-'));
          if (claim && !theirs) {
            theirs = claim;
            const number = claim.slice('tracking-number-'.length);
            await store.append(
              claim,
              [
                {
                  type: 'TrackingNumberClaimed',
                  data: {
                    trackingNumber: number,
                    complaintId: 'another-case',
                    at: '2026-03-02T02:00:00.000Z',
                  },
                  metadata: { occurredAt: '2026-03-02T02:00:00.000Z' },
                },
              ],
              { expectedRevision: 'no_stream' },
            );
          }
          return store.streamRevisions(streamIds);
        },
      },
      appendMany: {
        value: (appends: readonly StreamAppend[]) => {
          commits++;
          return store.appendMany(appends);
        },
      },
    });
    const report = await runImport({
      file: file('claimed.csv', ['F-1', 'F-2', 'F-3']),
      mapping: SHEET_MAPPING,
      store: racing,
      vault,
    });
    expect(report).toMatchObject({ read: 3, imported: 3, alreadyPresent: 0, refused: 0 });
    expect(theirs).toBeDefined();
    // Their claim is theirs alone; every case is whole, with a number of its own.
    expect(
      (await store.readStream(theirs!)).map((e) => (e.data as { complaintId: string }).complaintId),
    ).toEqual(['another-case']);
    const numbers = await Promise.all(
      ['F-1', 'F-2', 'F-3'].map(async (ref) => {
        const events = await caseOf(ref);
        expect(events).toHaveLength(6);
        return (events[0]!.data as { trackingNumber: string }).trackingNumber;
      }),
    );
    expect(new Set([...numbers, theirs!.slice('tracking-number-'.length)]).size).toBe(4);
    // The other two cases committed together; the one that lost its number was written after them.
    expect(commits).toBe(1);
  });

  it('leaves a row the decider refuses out of its batch: no event, no claim, no key of it is written', async () => {
    const keysFile = path.join(dir, 'keys.sqlite');
    const keyCount = () => {
      const db = new Database(keysFile, { readonly: true });
      try {
        return (db.prepare('SELECT count(*) AS n FROM data_keys').get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    const f = path.join(dir, 'one-bad.csv');
    const long = row('E-2').replace('Jalan rusak', 'x'.repeat(300));
    writeFileSync(f, `${HEADER}\n${[row('E-1'), long, row('E-3')].join('\n')}\n`);
    const head = await store.headPosition();
    const keys = keyCount();
    const report = await runImport({ file: f, mapping: SHEET_MAPPING, store, vault });
    expect(report).toMatchObject({ read: 3, imported: 2, alreadyPresent: 0, refused: 1 });
    expect(report.refusals).toEqual([
      { line: 3, reference: 'E-2', reason: 'subject must be at most 200 characters' },
    ]);
    expect(await caseOf('E-2')).toHaveLength(0);
    const added = await store.readAll({ fromPosition: head });
    expect(added).toHaveLength(2 * (6 + 1));
    expect(added.filter((e) => e.type === 'TrackingNumberClaimed')).toHaveLength(2);
    expect(keyCount()).toBe(keys + 2);
  });

  it('adds nothing when the same file is imported again', async () => {
    const head = await store.headPosition();
    const report = await runImport({
      file: path.join(dir, 'race.csv'),
      mapping: SHEET_MAPPING,
      store,
      vault,
    });
    expect(report).toMatchObject({ imported: 0, alreadyPresent: 3 });
    expect(await store.headPosition()).toBe(head);
  });

  it('names a file’s events in line order, so one batch writes a few pages of the id index, not one per case', async () => {
    const refs = ['ORD-3', 'ORD-1', 'ORD-2', 'ORD-9'];
    await runImport({ file: file('ordered.csv', refs), mapping: SHEET_MAPPING, store, vault });
    const ids: string[] = [];
    for (const ref of refs) {
      const events = await caseOf(ref);
      // Within a case: its own order, the tracking-number claim's id after them.
      expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort());
      ids.push(...events.map((e) => e.id));
    }
    // Across the file: by line, whatever the references (which decide the complaint ids) say.
    expect(ids).toEqual([...ids].sort());
    expect(new Set(ids.map((id) => id.slice(0, 24))).size).toBe(1);
  });
});
