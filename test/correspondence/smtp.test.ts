/**
 * E-mail out through nodemailer against a real SMTP server: aiosmtpd from Debian's python3-aiosmtpd
 * (test/support/smtp-server.ts), plain, behind STARTTLS with a certificate made by openssl for the run,
 * and with a size limit that makes it refuse a message (552).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { complaintStreamId } from '../../services/complaint/domain';
import {
  MailDeliveryError,
  type OutgoingMessage,
  openDeliveryAdapter,
  outboxFileName,
  renderEml,
  SmtpDeliveryAdapter,
  type SmtpDeliveryOptions,
  sentRecordFileName,
} from '../../services/shared/mail/delivery';
import {
  agencyDecider,
  agencyStreamId,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain';
import { followUpLetterId } from '../../services/correspondence/flows';
import {
  type CorrespondenceRuntime,
  startCorrespondenceRuntime,
} from '../../services/correspondence/subgraph';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { CommandHandler } from '../../services/shared/decider';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { createLogger } from '../../services/shared/logger';
import { forwarded, officer, received, supervisor, verified } from '../complaint/fixtures';
import { type SmtpServerOptions, TestSmtpServer } from '../support/smtp-server';

let root: string;
let certFile: string;
let keyFile: string;
// Started once per file (each start is a Python interpreter): one that takes everything, one that refuses
// every message as too large. Tests tell their messages apart by Message-ID.
let plain: TestSmtpServer;
let small: TestSmtpServer;
const servers: TestSmtpServer[] = [];
const smtpServer = async (options?: SmtpServerOptions) => {
  const s = await TestSmtpServer.start(options);
  servers.push(s);
  return s;
};
const receivedBy = (server: TestSmtpServer, messageId: string) =>
  server.messages().filter((m) => m.header('Message-ID') === messageId);
const adapterFor = (server: TestSmtpServer, dir: string, options: Partial<SmtpDeliveryOptions> = {}) =>
  new SmtpDeliveryAdapter({
    host: '127.0.0.1',
    port: server.port,
    security: 'none',
    timeoutMs: 5_000,
    dir: path.join(root, dir),
    ...options,
  });

beforeAll(async () => {
  [plain, small] = await Promise.all([smtpServer(), smtpServer({ maxBytes: 200 })]);
  root = mkdtempSync(path.join(os.tmpdir(), 'dumas-smtp-test-'));
  certFile = path.join(root, 'cert.pem');
  keyFile = path.join(root, 'key.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1'].concat([
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]),
    { stdio: 'ignore' },
  );
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.stop()));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

const attachment = Buffer.concat([
  Buffer.from('%PDF-1.4\n'),
  Buffer.from(Array.from({ length: 3000 }, (_, i) => i % 256)),
]);

const letter: OutgoingMessage = {
  messageId: '<7d2a9c1e@dumas.setneg.go.id>',
  from: 'dumas@setneg.go.id',
  to: ['inspektorat@bantulkab.go.id', 'pic.bantul@bantulkab.go.id'],
  subject: 'B-7/Kemensetneg/D-4/PM.00.01/01/2026 — Permintaan tindak lanjut',
  date: '2026-01-05T02:00:00.000Z',
  text: 'Dengan hormat,\n.\nterlampir surat kami.\n',
  attachments: [{ filename: 'Laporan.pdf', mediaType: 'application/pdf', content: attachment }],
};

const deliveryError = async (promise: Promise<unknown>): Promise<MailDeliveryError> => {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(MailDeliveryError);
  return err as MailDeliveryError;
};

describe('given a plain SMTP server', () => {
  it('delivers the message with its attachment and Message-ID, keeps the .eml copy and a sent record', async () => {
    const server = plain;
    const adapter = adapterFor(server, 'outbox-plain');
    const receipt = await adapter.deliver(letter);

    const [got, ...more] = receivedBy(server, letter.messageId);
    expect(more).toHaveLength(0);
    expect(got!.mailFrom).toBe(letter.from);
    expect(got!.rcptTo).toEqual([...letter.to]);
    expect(got!.header('Message-ID')).toBe(letter.messageId);
    // A line of a single dot survives the transport's dot-stuffing.
    expect(got!.raw).toMatch(/\n\.\r?\n/);
    expect(got!.raw.replace(/\r?\n/g, '')).toContain(attachment.toString('base64').replace(/\r?\n/g, ''));
    const dir = path.join(root, 'outbox-plain');
    expect(readFileSync(path.join(dir, outboxFileName(letter.messageId)))).toEqual(await renderEml(letter));
    expect(existsSync(path.join(dir, sentRecordFileName(letter.messageId)))).toBe(true);
    expect(receipt.evidence).toMatch(new RegExp(`^smtp:127\\.0\\.0\\.1:${server.port} 250 `));
  });

  it('sends nothing again for a message it has a sent record of (a replay after a crash)', async () => {
    const message = { ...letter, messageId: '<replay@dumas.setneg.go.id>' };
    const first = await adapterFor(plain, 'outbox-replay').deliver(message);
    const again = await adapterFor(plain, 'outbox-replay').deliver(message);
    expect(again).toEqual(first);
    expect(receivedBy(plain, message.messageId)).toHaveLength(1);
  });

  it('refuses to send credentials unencrypted to a remote host', () => {
    expect(
      () =>
        new SmtpDeliveryAdapter({
          host: '192.0.2.1',
          port: 25,
          security: 'none',
          user: 'relay-user',
          password: 's3cret',
          dir: root,
        }),
    ).toThrow(/unencrypted/);
  });
});

describe('given a server that refuses the message (552, too large)', () => {
  it('throws a permanent error without addresses, writes no sent record', async () => {
    const server = small;
    const dir = 'outbox-552';
    const err = await deliveryError(adapterFor(server, dir).deliver(letter));
    expect(err.replyCode).toBe(552);
    expect(err.permanent).toBe(true);
    for (const secret of ['bantulkab', 'pic.bantul', 'dumas@', 'Laporan'])
      expect(err.message).not.toContain(secret);
    expect(server.messages()).toHaveLength(0);
    expect(existsSync(path.join(root, dir, sentRecordFileName(letter.messageId)))).toBe(false);
  });
});

describe('given a server behind STARTTLS', () => {
  it('delivers when the certificate verifies, and refuses one it cannot verify', async () => {
    const server = await smtpServer({ starttls: { cert: certFile, key: keyFile } });
    await adapterFor(server, 'outbox-tls', {
      security: 'starttls',
      tls: { ca: readFileSync(certFile) },
    }).deliver(letter);
    expect(server.messages().map((m) => m.header('Message-ID'))).toEqual([letter.messageId]);

    const err = await deliveryError(
      adapterFor(server, 'outbox-untrusted', { security: 'starttls' }).deliver({
        ...letter,
        messageId: '<other@dumas.setneg.go.id>',
      }),
    );
    expect(err.message).not.toContain('bantulkab');
    expect(server.messages()).toHaveLength(1);
  });
});

describe('given a server that never answers', () => {
  it('gives up after the timeout', async () => {
    const sockets: net.Socket[] = [];
    const silent = net.createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const adapter = new SmtpDeliveryAdapter({
        host: '127.0.0.1',
        port,
        security: 'none',
        timeoutMs: 200,
        dir: path.join(root, 'outbox-silent'),
      });
      const err = await deliveryError(adapter.deliver(letter));
      expect(err.code).toMatch(/ETIMEDOUT|ECONNECTION|ESOCKET/);
      expect(err.permanent).toBe(false);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  });
});

describe('given the settings', () => {
  const mailConfig = (env: Record<string, string>) =>
    loadConfig({ DUMAS_DATA_DIR: '/tmp/dumas-smtp-config', ...env }).correspondence;
  it('DUMAS_SMTP_HOST chooses the SMTP adapter, STARTTLS on 587 unless told otherwise', () => {
    const config = mailConfig({ DUMAS_SMTP_HOST: 'mail.setneg.go.id' });
    expect(config.delivery).toMatchObject({ kind: 'smtp', port: 587, security: 'starttls' });
    expect(openDeliveryAdapter(config.delivery).kind).toBe('smtp');
    expect(mailConfig({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'tls' }).delivery).toMatchObject({
      port: 465,
      security: 'tls',
    });
    expect(mailConfig({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'none' }).delivery).toMatchObject({
      port: 25,
      security: 'none',
    });
    expect(() => mailConfig({ DUMAS_SMTP_HOST: 'm', DUMAS_SMTP_SECURE: 'true' })).toThrow(
      /starttls, tls or none/,
    );
  });
});

describe('given a follow-up request sent by email through the delivery flow', () => {
  const COMPLAINT = 'c-0001';
  const LETTER = followUpLetterId(COMPLAINT, 'inspektorat-bantul/1');
  const clock = new FixedClock(new Date('2026-01-05T02:00:00.000Z'));
  let dir: string;
  let store: SqliteEventStore;
  let rt: CorrespondenceRuntime | undefined;

  beforeEach(() => {
    dir = mkdtempSync(path.join(root, 'flow-'));
    mkdirSync(dir, { recursive: true });
    store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  });
  afterEach(async () => {
    await rt?.close();
    rt = undefined;
    await store.close();
  });

  async function sendLetter(server: TestSmtpServer) {
    rt = await startCorrespondenceRuntime({
      config: loadConfig({ DUMAS_DATA_DIR: dir }),
      store,
      clock,
      logger: createLogger({ name: 'smtp-test', level: 'silent' }),
      correspondence: { reminderTickMs: 0 },
      delivery: new SmtpDeliveryAdapter({
        host: '127.0.0.1',
        port: server.port,
        security: 'none',
        timeoutMs: 5_000,
        dir: path.join(dir, 'outbox'),
      }),
      flowRetry: { maxAttempts: 1 },
    });
    const now = clock.now().toISOString();
    await new CommandHandler(store, agencyDecider).handle(agencyStreamId('inspektorat-bantul'), {
      type: 'CreateAgency',
      data: {
        agencyId: 'inspektorat-bantul',
        name: 'Inspektorat Kabupaten Bantul',
        kind: 'REGENCY',
        region: 'DIY',
        contact: { emails: ['inspektorat@bantulkab.go.id'] },
      },
      metadata: { now, actor: { id: 'admin', role: 'ADMIN' } },
    });
    await store.append(
      complaintStreamId(COMPLAINT),
      [received, verified, forwarded].map((e) => ({
        ...e,
        metadata: { occurredAt: e.data.at, actor: officer, caseId: COMPLAINT },
      })),
    );
    await rt.flows!.runner.waitFor(await store.headPosition());
    await rt.numbering.approve(LETTER, { actor: supervisor, now });
    await new CommandHandler(store, letterDecider).handle(letterStreamId(LETTER), {
      type: 'SendLetter',
      data: { channel: 'EMAIL', messageId: `<${LETTER}@dumas.setneg.go.id>` },
      metadata: { now, actor: officer },
    });
    return rt;
  }

  const delivered = async () => store.readAll({ filter: { eventTypes: ['LetterDelivered'] } });

  it('records LetterDelivered with the server reply once the server took the message', async () => {
    const server = plain;
    const runtime = await sendLetter(server);
    await runtime.flows!.runner.waitFor(await store.headPosition());
    const [got, ...more] = receivedBy(server, `<${LETTER}@dumas.setneg.go.id>`);
    expect(more).toHaveLength(0);
    expect(got!.rcptTo).toEqual(['inspektorat@bantulkab.go.id']);
    expect(got!.header('Message-ID')).toBe(`<${LETTER}@dumas.setneg.go.id>`);
    expect(got!.raw).toMatch(/Content-Type: application\/pdf;\s+name=\S+\.pdf/);
    const events = await delivered();
    expect(events).toHaveLength(1);
    expect((events[0]!.data as { evidence: string }).evidence).toMatch(
      new RegExp(`^smtp:127\\.0\\.0\\.1:${server.port} 250 `),
    );
  });

  it('records no delivery when the server refuses the message (552), and the flow reports itself failed', async () => {
    const server = small;
    const runtime = await sendLetter(server);
    await expect(runtime.flows!.runner.waitFor(await store.headPosition())).rejects.toThrow(
      /flow\.letter_delivery stopped/,
    );
    expect(server.messages()).toHaveLength(0);
    expect(await delivered()).toHaveLength(0);
    const { state } = await new CommandHandler(store, letterDecider).load(letterStreamId(LETTER));
    expect(state.status).toBe('SENT');
  });
});
