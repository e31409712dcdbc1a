/**
 * The pieces the delivery flow and uploads stand on: base64 uploads refused above the limit before decoding
 * and checked against the client's SHA-256; blobs stored once per content and verified on the way out; the
 * outbox's .eml identical byte for byte when a letter is written again (so a replay queues nothing new).
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { decodeUpload, SqliteBlobStore } from '../../services/shared/blobs';
import { OutboxDeliveryAdapter, type OutgoingMessage, renderEml } from '../../services/shared/mail/delivery';
import { DomainError } from '../../services/shared/errors';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-outbox-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const bytes = Buffer.from('Laporan hasil tindak lanjut — Inspektorat Bantul\n');
const sha = createHash('sha256').update(bytes).digest('hex');

describe('given an uploaded attachment', () => {
  it('decodes it and checks the claimed SHA-256', () => {
    expect(decodeUpload('a', bytes.toString('base64'), 1000, sha)).toEqual({ bytes, sha256: sha });
    expect(() => decodeUpload('a', bytes.toString('base64'), 1000, 'f'.repeat(64))).toThrow(DomainError);
  });

  it('refuses content over the limit, and text that is not base64, as BAD_USER_INPUT', () => {
    const tooBig = Buffer.alloc(1001).toString('base64');
    expect(() => decodeUpload('a', tooBig, 1000)).toThrow(/larger than 1000 bytes/);
    expect(() => decodeUpload('a', 'not base64!', 1000)).toThrow(/not base64/);
    expect(() => decodeUpload('a', '', 1000)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT' }));
  });
});

describe('given the SQLite blob store', () => {
  it('stores content once under its hash and refuses to serve damaged bytes', async () => {
    const file = path.join(dir, 'blobs.sqlite');
    const blobs = new SqliteBlobStore(file);
    expect(await blobs.put(bytes)).toEqual({ sha256: sha, size: bytes.length });
    await blobs.put(Buffer.from(bytes));
    expect((await blobs.get(sha))?.equals(bytes)).toBe(true);
    expect(await blobs.info(sha)).toEqual({ sha256: sha, size: bytes.length });
    expect(await blobs.get('0'.repeat(64))).toBeUndefined();
    const db = new Database(file);
    expect(db.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: 1 });
    db.prepare('UPDATE blobs SET bytes = ? WHERE sha256 = ?').run(Buffer.from('tampered'), sha);
    db.close();
    await expect(blobs.get(sha)).rejects.toThrow(/damaged/);
    await blobs.close();
  });
});

describe('given an outgoing letter', () => {
  const message: OutgoingMessage = {
    messageId: '<0f1e2d3c@dumas.setneg.go.id>',
    from: 'dumas@setneg.go.id',
    to: ['inspektorat@bantulkab.go.id', 'pic@bantulkab.go.id'],
    subject: 'B-1/Kemensetneg/D-4/PM.00.01/01/2026 — Permintaan tindak lanjut',
    date: '2026-01-05T02:00:00.000Z',
    text: 'Dengan hormat, terlampir surat kami.',
    attachments: [{ filename: 'Surat-B-1.txt', mediaType: 'text/plain', content: bytes }],
  };

  it('renders RFC 5322 headers and a MIME part per attachment, the same bytes every time', async () => {
    const eml = (await renderEml(message)).toString('utf8');
    expect(eml).toBe((await renderEml(message)).toString('utf8'));
    expect(eml).toContain('Message-ID: <0f1e2d3c@dumas.setneg.go.id>\r\n');
    expect(eml).toContain('Date: Mon, 05 Jan 2026 02:00:00 +0000\r\n');
    expect(eml).toContain('To: inspektorat@bantulkab.go.id, pic@bantulkab.go.id\r\n');
    expect(eml).toMatch(/Subject: =\?UTF-8\?Q\?[^\r\n]+\?=\r\n/);
    expect(eml).toContain('Content-Disposition: attachment; filename=Surat-B-1.txt');
    expect(eml).toContain(bytes.toString('base64'));
  });

  it('writes one outbox file per Message-ID, however often it is delivered', async () => {
    const outbox = new OutboxDeliveryAdapter(path.join(dir, 'outbox'));
    const first = await outbox.deliver(message);
    const again = await outbox.deliver(message);
    expect(again).toEqual(first);
    expect(readdirSync(path.join(dir, 'outbox'))).toEqual(['0f1e2d3c_dumas.setneg.go.id.eml']);
    expect(readFileSync(path.join(dir, 'outbox', '0f1e2d3c_dumas.setneg.go.id.eml'))).toEqual(
      await renderEml(message),
    );
  });
});
