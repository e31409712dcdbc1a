/** The CLI's export and quick verification over a real SQLite store. */
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Database from 'better-sqlite3';
import { takeCheckpoint } from '../../services/audit/checkpointer';
import { CheckpointStore, loadCheckpointKeys } from '../../services/audit/checkpoints';
import { verifySinceCheckpoint } from '../../services/audit/integrity';
import { exportEvents } from '../../services/cli/audit';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { sealed } from '../complaint/fixtures';

let dir: string;
let store: SqliteEventStore;

beforeEach(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-audit-cli-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite'), durability: 'normal' });
  for (let i = 0; i < 30; i++) {
    await store.append(`complaint-c-${i}`, [
      {
        type: 'ComplaintReceived',
        data: {
          complaintId: `c-${i}`,
          trackingNumber: `DUMAS-2026-${String(i).padStart(6, '0')}`,
          channel: 'WEB',
          complainant: { subjectId: `s-${i}`, sealed },
          accessCodeHash: 'scrypt$16384$8$1$c2FsdA==$aGFzaA==',
          subject: 'Jalan, "rusak"\nparah',
        },
        metadata: { occurredAt: '2026-01-05T01:00:00.000Z', caseId: `c-${i}` },
      },
      {
        type: 'ComplaintVerified',
        data: { category: 'infrastructure' },
        metadata: { occurredAt: '2026-01-05T02:00:00.000Z', caseId: `c-${i}` },
      },
    ]);
  }
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A sink that drains slowly, so the exporter must wait for 'drain' rather than buffer everything. */
function slowSink(): { sink: Writable; text: () => Promise<string>; maxBuffered: () => number } {
  const chunks: string[] = [];
  let max = 0;
  const sink: Writable = new Writable({
    highWaterMark: 1024,
    write(chunk, _enc, done) {
      chunks.push(String(chunk));
      max = Math.max(max, sink.writableLength);
      setImmediate(done);
    },
  });
  const text = async () => {
    sink.end();
    await once(sink, 'finish');
    return chunks.join('');
  };
  return { sink, text, maxBuffered: () => max };
}

describe('given 60 events of 30 cases', () => {
  it('exports CSV page by page, masked, with quoting that survives commas, quotes and newlines', async () => {
    const { sink, text, maxBuffered } = slowSink();
    const progress: number[] = [];
    const written = await exportEvents(store, { format: 'csv', pageSize: 7 }, sink, (done) =>
      progress.push(done),
    );
    expect(written).toBe(60);
    const out = await text();
    expect(out.split('\n')[0]).toMatch(/^position,recorded_at,/);
    expect(out).not.toContain('scrypt$');
    expect(out).not.toContain(sealed.ciphertext);
    // The data column is JSON (quote escaped as \") inside a CSV cell (quote doubled).
    expect(out).toContain('Jalan, \\""rusak\\""\\nparah');
    expect(progress.length).toBeGreaterThan(5);
    // Never more than one page waiting in the sink's buffer.
    expect(maxBuffered()).toBeLessThan(20_000);
  });

  it('neutralises cells that a spreadsheet would run as a formula (issue 11, finding 11)', async () => {
    await store.append(
      'complaint-c-formula',
      [
        {
          type: 'ComplaintRejected',
          data: { complaintId: 'c-formula', reason: 'OTHER', note: '=HYPERLINK("http://evil.example","x")' },
          metadata: {
            actor: { id: '=HYPERLINK("http://evil.example")', role: 'OFFICER' },
            caseId: '@SUM(A1)',
            occurredAt: new Date().toISOString(),
          },
        },
      ],
      {},
    );
    const { sink, text } = slowSink();
    await exportEvents(store, { format: 'csv' }, sink);
    const row = (await text()).split('\n').find((line) => line.includes('c-formula'))!;
    for (const cell of row.split(',')) expect(cell.replace(/^"/, '')).not.toMatch(/^[=+\-@]/);
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"")"`);
    expect(row).toContain("'@SUM(A1)");
  });

  it('exports a JSON array limited to the time range asked for', async () => {
    const { sink, text } = slowSink();
    const future = new Date(Date.now() + 60_000);
    expect(await exportEvents(store, { format: 'json', from: future }, sink)).toBe(0);
    expect(JSON.parse(await text())).toEqual([]);
    const all = slowSink();
    await exportEvents(store, { format: 'json', to: future }, all.sink);
    const rows = JSON.parse(await all.text()) as { type: string; data: { complainant?: unknown } }[];
    expect(rows).toHaveLength(60);
    expect(rows[0]!.data.complainant).toEqual({ access: 'MASKED' });
  });

  it('quick verification since the checkpoint catches a truncated tail and a broken new event', async () => {
    const checkpoints = CheckpointStore.forDataDir(dir);
    const keys = loadCheckpointKeys(dir, {});
    try {
      await takeCheckpoint(store, checkpoints, keys);
      await store.append('complaint-c-0', [
        {
          type: 'ComplaintResolved',
          data: {},
          metadata: { occurredAt: '2026-01-06T00:00:00.000Z', caseId: 'c-0' },
        },
      ]);
      expect((await verifySinceCheckpoint(store, checkpoints, keys)).ok).toBe(true);
      const db = new Database(path.join(dir, 'events.sqlite'));
      db.prepare("DELETE FROM events WHERE stream_id = 'complaint-c-5' AND revision = 1").run();
      db.prepare(
        "UPDATE events SET data = '{\"x\":1}' WHERE stream_id = 'complaint-c-0' AND revision = 2",
      ).run();
      db.close();
      const verdict = await verifySinceCheckpoint(store, checkpoints, keys);
      expect(verdict.problems).toEqual([
        expect.objectContaining({ kind: 'TRUNCATED', streamId: 'complaint-c-5', revision: 1, position: 12 }),
        expect.objectContaining({
          kind: 'INSERTED',
          streamId: 'complaint-c-0',
          revision: 2,
          reason: expect.stringMatching(/hash/),
        }),
      ]);
    } finally {
      checkpoints.close();
    }
  });
});
