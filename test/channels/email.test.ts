/**
 * E-mail in against a real IMAP server: a throwaway Dovecot (test/support/dovecot.ts) the test fills with
 * IMAP APPEND, the worker taking the mailbox in through imapflow and mailparser, and the acknowledgement
 * going out through the .eml outbox.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ImapFlow } from 'imapflow';
import { type Channels, type ChannelWork, openChannels as open } from '../../services/channels';
import { TAKEN_KEYWORD } from '../../services/channels/email';
import { channelAccessCode } from '../../services/channels/intake';
import { channelReferenceView } from '../../services/complaint/graphql/view';
import type { ComplaintDocument } from '../../services/complaint/projection';
import { complaintStreamId } from '../../services/complaint/domain/constants';
import { COMPLAINTS_COLLECTION, complaintProjection } from '../../services/complaint/projection';
import { startRuntime } from '../../services/shared/runtime';
import { caseIndexProjection } from '../../services/audit/case-events';
import { ComplaintService } from '../../services/complaint/service';
import { openBlobStore } from '../../services/shared/blobs';
import { OutboxDeliveryAdapter } from '../../services/shared/mail/delivery';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import { createLogger } from '../../services/shared/logger';
import type { SubgraphRuntime } from '../../services/shared/runtime';
import { TestImapServer } from '../support/dovecot';

const SECRET = Buffer.alloc(32, 7);
const officer = { id: 'officer-1', role: 'OFFICER' };

let dir: string;
let imap: TestImapServer;
let store: SqliteEventStore;
let runtime: SubgraphRuntime;
let complaints: ComplaintService;
let channels: Channels | undefined;
let work: ChannelWork | undefined;

const env = () => ({ DUMAS_DATA_DIR: dir });
const outboxDir = () => path.join(dir, 'outbox');

/** `watch`: the worker watches the mailbox itself (IDLE); otherwise the test calls pollOnce. */
async function openChannels(watch = false): Promise<Channels & ChannelWork> {
  channels = open(runtime, complaints, {
    poll: watch,
    delivery: new OutboxDeliveryAdapter(outboxDir()),
    config: {
      secret: SECRET,
      mailDomain: 'setneg.go.id',
      email: {
        host: '127.0.0.1',
        port: imap.port,
        security: 'none',
        user: imap.user,
        password: imap.password,
        mailbox: 'INBOX',
        pollMs: 60_000,
      },
    },
  });
  work = await channels.run();
  return { ...channels, ...work };
}

async function mailbox<T>(fn: (client: ImapFlow) => Promise<T>): Promise<T> {
  const client = new ImapFlow({
    host: '127.0.0.1',
    port: imap.port,
    secure: false,
    doSTARTTLS: false,
    auth: { user: imap.user, pass: imap.password },
    logger: false,
  });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.logout();
  }
}

const PHOTO = Buffer.from('\x89PNG\r\n\x1a\nfoto jalan rusak', 'latin1');

const firstMail = [
  'From: Siti Rahayu <siti.rahayu@example.id>',
  'To: pengaduan@setneg.go.id',
  'Subject: Jalan desa rusak di Bantul',
  'Message-ID: <m1.siti@example.id>',
  'Date: Mon, 07 Dec 2026 01:00:00 +0000',
  'MIME-Version: 1.0',
  'Content-Type: multipart/mixed; boundary="b1"',
  '',
  '--b1',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Jalan desa di Kecamatan Sewon rusak sejak dua tahun.',
  '--b1',
  'Content-Type: image/png; name="jalan.png"',
  'Content-Disposition: attachment; filename="jalan.png"',
  'Content-Transfer-Encoding: base64',
  '',
  PHOTO.toString('base64'),
  '--b1--',
  '',
].join('\r\n');

beforeAll(async () => {
  imap = await TestImapServer.start();
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-email-in-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  // The complaint runtime without its wings: the test starts the channels itself.
  runtime = await startRuntime({
    name: 'complaint',
    projections: [complaintProjection, caseIndexProjection],
    config: loadConfig(env()),
    store,
    logger: createLogger({ name: 'email-test', level: 'silent' }),
  });
  complaints = new ComplaintService(runtime);
});

afterEach(async () => {
  await work?.stop();
  await channels?.stop();
  channels = undefined;
  work = undefined;
});

afterAll(async () => {
  await runtime?.close();
  await store?.close();
  await imap?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const allComplaints = async () => {
  await runtime.catchUp();
  const docs = await runtime.readModels.find<ComplaintDocument>(COMPLAINTS_COLLECTION);
  return Promise.all(
    docs.map(async (d) => ({ ...d, channelReference: await channelReferenceView(d, runtime.vault) })),
  );
};

describe('given a complaint e-mailed to the ministry mailbox', () => {
  let complaintId: string;

  it('becomes one complaint on the EMAIL channel with its attachment, acknowledged with a working access code', async () => {
    await mailbox((c) => c.append('INBOX', firstMail));
    const ch = await openChannels();
    expect(await ch.email!.pollOnce()).toEqual({ taken: 1 });

    const [complaint, ...others] = await allComplaints();
    expect(others).toHaveLength(0);
    expect(complaint).toMatchObject({
      channel: 'EMAIL',
      channelReference: '<m1.siti@example.id>',
      status: 'RECEIVED',
    });
    complaintId = complaint!.id;

    const events = await store.readStream(complaintStreamId(complaintId));
    expect(events.map((e) => [e.type, e.metadata.actor?.id])).toEqual([
      ['ComplaintReceived', 'channel:email'],
      ['ComplainantMessageReceived', 'channel:email'],
    ]);
    // The sender's address is in the log only sealed.
    expect(JSON.stringify(events)).not.toContain('siti.rahayu');
    const [attachment] = (events[1]!.data as { attachments: { sha256: string; filename: string }[] })
      .attachments;
    expect(attachment!.filename).toBe('jalan.png');
    const blobs = openBlobStore({ kind: 'sqlite', file: path.join(dir, 'blobs.sqlite') });
    expect((await blobs.get(attachment!.sha256))?.equals(PHOTO)).toBe(true);
    await blobs.close();

    // The acknowledgement, through the outbox, answers the complainant's message.
    await ch.notices.waitFor(await store.headPosition());
    const [ack, ...more] = readdirSync(outboxDir()).filter((f) => f.endsWith('.eml'));
    expect(more).toHaveLength(0);
    const eml = readFileSync(path.join(outboxDir(), ack!), 'utf8');
    expect(eml).toContain('To: siti.rahayu@example.id');
    expect(eml).toContain('In-Reply-To: <m1.siti@example.id>');
    expect(eml).toContain(complaint!.trackingNumber);
    const code = channelAccessCode(SECRET, complaintId);
    expect(eml).toContain(code);
    expect(await complaints.accessCodes.verify(code, complaint!.accessCodeHash)).toBe(true);
  });

  it('is taken once however often it is seen: a restart before the mailbox was marked, the same mail delivered twice', async () => {
    const before = await store.headPosition();
    // A crash after the intake but before the keyword was stored: the message is unmarked again.
    await mailbox(async (c) => {
      await c.mailboxOpen('INBOX');
      await c.messageFlagsRemove('1:*', [TAKEN_KEYWORD]);
      await c.append('INBOX', firstMail);
    });
    const ch = await openChannels();
    expect(await ch.email!.pollOnce()).toEqual({ taken: 2 });
    expect(await allComplaints()).toHaveLength(1);
    expect(await store.headPosition()).toBe(before);
    await ch.notices.waitFor(before);
    expect(readdirSync(outboxDir()).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
  });

  it('takes a reply to the acknowledgement as the information the case waits for', async () => {
    await complaints.execute(
      complaintId,
      (metadata) => ({
        type: 'RequestInformation',
        data: { question: 'Mohon sebutkan nama dusunnya.' },
        metadata,
      }),
      officer,
    );
    const ackId = `<dumas-ack-${complaintId}-0@setneg.go.id>`;
    await mailbox((c) =>
      c.append(
        'INBOX',
        [
          'From: Siti Rahayu <siti.rahayu@example.id>',
          'To: dumas@setneg.go.id',
          'Subject: Re: pengaduan',
          'Message-ID: <m2.siti@example.id>',
          `In-Reply-To: ${ackId}`,
          `References: <m1.siti@example.id> ${ackId}`,
          '',
          'Dusun Ngoto, Desa Bangunharjo.',
          '',
          'Pada 7 Des 2026, dumas menulis:',
          '> Mohon sebutkan nama dusunnya.',
          '',
        ].join('\r\n'),
      ),
    );
    const ch = await openChannels();
    expect(await ch.email!.pollOnce()).toEqual({ taken: 1 });
    const [complaint, ...others] = await allComplaints();
    expect(others).toHaveLength(0);
    expect(complaint!.status).toBe('RECEIVED');
    const last = (await store.readStream(complaintStreamId(complaintId))).at(-1)!;
    expect(last.type).toBe('InformationProvided');
    expect(last.data).toMatchObject({ information: 'Dusun Ngoto, Desa Bangunharjo.', by: 'channel:email' });
    // The request for information went out to the complainant as well, in the same thread.
    await ch.notices.waitFor(await store.headPosition());
    const notices = readdirSync(outboxDir()).filter((f) => f.startsWith('dumas-notice-'));
    expect(notices).toHaveLength(1);
    expect(readFileSync(path.join(outboxDir(), notices[0]!), 'utf8')).toContain(
      'Mohon sebutkan nama dusunnya.',
    );
  });

  it('takes a new message in as the server announces it (IMAP IDLE), long before the next poll', async () => {
    const ch = await openChannels(true);
    const count = (await allComplaints()).length;
    // The worker is watching (its first pass done, waiting in IDLE); the poll interval is a minute.
    await new Promise((r) => setTimeout(r, 300));
    const mail = firstMail
      .replace('<m1.siti@example.id>', '<m2.idle@example.id>')
      .replace('Jalan desa rusak di Bantul', 'Lampu jalan mati di Sleman');
    await mailbox((c) => c.append('INBOX', mail));
    for (let i = 0; i < 100 && (await allComplaints()).length === count; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect((await allComplaints()).map((c) => c.channelReference)).toContain('<m2.idle@example.id>');
    // Stopping ends the IDLE at once.
    const stopping = Date.now();
    await ch.stop();
    work = undefined;
    expect(Date.now() - stopping).toBeLessThan(5_000);
  });
});
