/**
 * Sending e-mail, behind a port. The default adapter writes each outgoing message as an RFC 5322 .eml file
 * into `<dataDir>/outbox/`, for a mail relay or an operator to pick up; the SMTP adapter hands it to a mail
 * server through nodemailer and keeps the same file as its copy. File names and message bytes are derived
 * from the message only (no random boundary, no clock), so writing the same message again after a crash
 * replaces the file with identical bytes instead of queueing a second message.
 */
import { createHash } from 'node:crypto';
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import type { createTransport } from 'nodemailer';
import type { DeliveryConfig, SmtpSecurity } from '../config';

export interface OutgoingAttachment {
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Buffer;
}

export interface OutgoingMessage {
  /** `<...@...>`: stable per message, so a receiving system can recognise a repeat. */
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** ISO instant of sending (the LetterSent time). */
  readonly date: string;
  readonly text: string;
  readonly attachments: readonly OutgoingAttachment[];
  /** An answer to a message received (RFC 5322 threading), so the sender's mail client files it with theirs. */
  readonly inReplyTo?: string;
  readonly references?: readonly string[];
}

export interface DeliveryReceipt {
  /** Recorded as the delivery evidence on the letter. */
  readonly evidence: string;
}

export interface DeliveryAdapter {
  readonly kind: string;
  /** Idempotent per messageId. */
  deliver(message: OutgoingMessage): Promise<DeliveryReceipt>;
}

/**
 * The message as RFC 5322 bytes with a MIME multipart body (the cover text, then each attachment), composed
 * by nodemailer's MailComposer. Everything that would vary is pinned: the Date is the sending time, the
 * Message-ID is the letter's, the multipart boundary is derived from the Message-ID. So the same message
 * renders to the same bytes every time, which is what makes a replay after a crash recognisable.
 */
export async function renderEml(message: OutgoingMessage): Promise<Buffer> {
  // Loaded on first use: most processes never send an e-mail, and nodemailer is not small to load.
  const { default: MailComposer } = await import('nodemailer/lib/mail-composer');
  const composer = new MailComposer({
    from: message.from,
    // Addresses only (institutional mailboxes, or the complainant's own), never display names of persons.
    to: message.to.length ? [...message.to] : 'undisclosed-recipients:;',
    subject: message.subject,
    date: new Date(message.date),
    messageId: message.messageId,
    ...(message.inReplyTo ? { inReplyTo: message.inReplyTo } : {}),
    ...(message.references?.length ? { references: [...message.references] } : {}),
    baseBoundary: createHash('sha256').update(message.messageId).digest('hex').slice(0, 24),
    text: message.text,
    attachments: message.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.mediaType,
      content: a.content,
    })),
  });
  return new Promise((resolve, reject) =>
    composer.compile().build((err, eml) => (err ? reject(err) : resolve(eml))),
  );
}

/** The outbox file of a message: a name derived from its Message-ID only. */
export function outboxFileName(messageId: string): string {
  const local = messageId.replace(/^<|>$/g, '').replace(/[^A-Za-z0-9._-]/g, '_');
  return `${local}.eml`;
}

export class OutboxDeliveryAdapter implements DeliveryAdapter {
  readonly kind = 'outbox';

  constructor(private readonly dir: string) {}

  async deliver(message: OutgoingMessage): Promise<DeliveryReceipt> {
    mkdirSync(this.dir, { recursive: true });
    const name = outboxFileName(message.messageId);
    const target = path.join(this.dir, name);
    const eml = await renderEml(message);
    // Already in the outbox with the same bytes: a replay after a crash, nothing to queue again.
    if (existsSync(target) && readFileSync(target).equals(eml)) return { evidence: `outbox:${name}` };
    // Write-then-rename, so a relay watching the directory never picks up half a message.
    writeFileDurably(this.dir, name, eml);
    return { evidence: `outbox:${name}` };
  }
}

/**
 * Writes a file so that it is either absent or complete, and still there after a power cut: a temporary
 * file, fsync, rename over the target, fsync of the directory (the rename itself lives in the directory).
 */
export function writeFileDurably(dir: string, name: string, content: Buffer): void {
  const temp = path.join(dir, `.${name}.tmp`);
  const fd = openSync(temp, 'w');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, path.join(dir, name));
  const dirFd = openSync(dir, 'r');
  try {
    fsyncSync(dirFd);
  } finally {
    closeSync(dirFd);
  }
}

export interface SmtpDeliveryOptions {
  readonly host: string;
  readonly port: number;
  readonly security: SmtpSecurity;
  readonly user?: string;
  readonly password?: string;
  /** Longest wait for the connection, the greeting or any one reply. Default 60 s. */
  readonly timeoutMs?: number;
  /** Extra TLS settings (a private CA, say). The server's certificate is always verified against `host`. */
  readonly tls?: { readonly ca?: string | Buffer };
  /** Where the copy of each message and its sent record are kept (the outbox directory). */
  readonly dir: string;
}

interface SentRecord {
  readonly messageId: string;
  /** Of the bytes sent, for an audit comparing the record with the copy. */
  readonly sha256: string;
  readonly server: string;
  /** The server's reply to the end of DATA (its queue id), addresses cut out. */
  readonly reply: string;
}

/** The record that a message was accepted by the mail server, next to its .eml copy. */
export const sentRecordFileName = (messageId: string) => `${outboxFileName(messageId)}.sent`;

/** A server's text without anything that looks like an address, short and printable, for errors and evidence. */
export function redactReplyText(text: string): string {
  return text
    .replace(/[^\x20-\x7e]/g, '?')
    .replace(/<[^>]*>/g, '<address>')
    .replace(/[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g, '[address]')
    .slice(0, 160)
    .trim();
}

/**
 * A message the mail server did not take. The text says what failed and the server's reply code, never an
 * address, a credential or message content (nodemailer's own messages can quote refused recipients).
 */
export class MailDeliveryError extends Error {
  constructor(
    /** nodemailer's error code: ECONNECTION, ETIMEDOUT, ETLS, EAUTH, EENVELOPE, EMESSAGE, … */
    readonly code: string,
    message: string,
    /** The server's reply code, when it replied. */
    readonly replyCode?: number,
    /** A 5xx, or a TLS or credential failure: sending the same message again would not change it. */
    readonly permanent = false,
  ) {
    super(message);
    this.name = 'MailDeliveryError';
  }
}

function deliveryError(err: unknown): MailDeliveryError {
  const e = (err ?? {}) as { code?: unknown; responseCode?: unknown; command?: unknown; response?: unknown };
  const code = typeof e.code === 'string' ? e.code : 'ESEND';
  const replyCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const step = typeof e.command === 'string' ? ` at ${e.command.split(' ')[0]}` : '';
  const reply = typeof e.response === 'string' ? `: ${redactReplyText(e.response)}` : '';
  const permanent = (replyCode !== undefined && replyCode >= 500) || code === 'ETLS' || code === 'EAUTH';
  return new MailDeliveryError(
    code,
    `the mail server did not take the message (${code}${step})${reply}`,
    replyCode,
    permanent,
  );
}

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\./.test(host);

/**
 * Sends each message to the mail server with nodemailer's SMTP transport, keeping the same .eml copy the
 * outbox writes, under the same name, for the record. The bytes sent are the copy's (`raw`), so the record
 * and what the server received are one thing.
 *
 * Nothing is sent twice after a crash, as far as SMTP allows. The flow appends its delivery event only after
 * `deliver` returns, and `deliver` returns only after the server's 250 to the end of DATA has been written
 * down as a `<name>.eml.sent` record (durably, before returning). A replay after a crash finds the record
 * and sends nothing, whether the crash came before the delivery event or before the flow's checkpoint. The
 * one window left is a crash between the server's 250 and our record: the replay sends the message again,
 * so delivery is at-least-once. The repeat carries the same Message-ID, so a receiving system or mail client
 * can recognise it. A refused message (a refused recipient included) writes no record and throws, so the
 * flow records no delivery and retries it later, then stops and reports itself failed.
 */
export class SmtpDeliveryAdapter implements DeliveryAdapter {
  readonly kind = 'smtp';
  private transport: Promise<ReturnType<typeof createTransport>> | undefined;

  constructor(private readonly options: SmtpDeliveryOptions) {
    const { host, security, user } = options;
    // A password in clear text may only travel to this machine.
    if (security === 'none' && user && !isLoopback(host))
      throw new Error('SMTP credentials over an unencrypted connection are refused: use starttls or tls');
  }

  /** nodemailer's SMTP transport, loaded and made on first use. */
  private smtp() {
    const { host, port, security, user, password } = this.options;
    const timeout = this.options.timeoutMs ?? 60_000;
    this.transport ??= import('nodemailer').then(({ createTransport }) =>
      createTransport({
        host,
        port,
        secure: security === 'tls',
        requireTLS: security === 'starttls',
        ignoreTLS: security === 'none',
        ...(user ? { auth: { user, pass: password ?? '' } } : {}),
        connectionTimeout: timeout,
        greetingTimeout: timeout,
        socketTimeout: timeout,
        tls: { rejectUnauthorized: true, ...(this.options.tls?.ca ? { ca: this.options.tls.ca } : {}) },
        // No logger: nodemailer's would print addresses.
        logger: false,
      }),
    );
    return this.transport;
  }

  async deliver(message: OutgoingMessage): Promise<DeliveryReceipt> {
    const { dir, host, port } = this.options;
    mkdirSync(dir, { recursive: true });
    const recordName = sentRecordFileName(message.messageId);
    const recordPath = path.join(dir, recordName);
    if (existsSync(recordPath)) {
      const record = JSON.parse(readFileSync(recordPath, 'utf8')) as SentRecord;
      return { evidence: smtpEvidence(record) };
    }
    const eml = await renderEml(message);
    writeFileDurably(dir, outboxFileName(message.messageId), eml);
    let response: string;
    try {
      const transport = await this.smtp();
      const info = await transport.sendMail({
        envelope: { from: message.from, to: [...message.to] },
        raw: eml,
      });
      response = String(info.response ?? '');
    } catch (err) {
      throw deliveryError(err);
    }
    const record: SentRecord = {
      messageId: message.messageId,
      sha256: createHash('sha256').update(eml).digest('hex'),
      server: `${host}:${port}`,
      reply: redactReplyText(response),
    };
    writeFileDurably(dir, recordName, Buffer.from(`${JSON.stringify(record)}\n`));
    return { evidence: smtpEvidence(record) };
  }
}

const smtpEvidence = (record: SentRecord) => `smtp:${record.server} ${record.reply}`.slice(0, 300);

export function openDeliveryAdapter(config: DeliveryConfig): DeliveryAdapter {
  switch (config.kind) {
    case 'outbox':
      return new OutboxDeliveryAdapter(config.dir);
    case 'smtp':
      return new SmtpDeliveryAdapter({
        host: config.host,
        port: config.port,
        security: config.security,
        ...(config.user !== undefined ? { user: config.user } : {}),
        ...(config.password !== undefined ? { password: config.password } : {}),
        ...(config.timeoutMs !== undefined ? { timeoutMs: config.timeoutMs } : {}),
        dir: config.dir,
      });
  }
}
