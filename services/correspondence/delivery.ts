/**
 * Sending letters by email, behind a port. The default adapter writes each outgoing message as an RFC 5322
 * .eml file (the letter itself attached, with its attachments) into `<dataDir>/outbox/`, for a mail relay
 * or an operator to pick up. File names and message contents are derived from the letter only (no random
 * boundary, no clock), so writing the same letter again after a crash replaces the file with identical bytes
 * instead of queueing a second message.
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
import type { DeliveryConfig } from '../shared/config';
import { type SmtpOptions, sendMail } from './smtp';

export interface OutgoingAttachment {
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Buffer;
}

export interface OutgoingMessage {
  /** `<...@...>`: stable per letter, so a receiving system can recognise a repeat. */
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** ISO instant of sending (the LetterSent time). */
  readonly date: string;
  readonly text: string;
  readonly attachments: readonly OutgoingAttachment[];
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

const encodeWord = (text: string) =>
  /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, 'utf8').toString('base64')}?=`;

const base64Lines = (bytes: Buffer) => (bytes.toString('base64').match(/.{1,76}/g) ?? ['']).join('\r\n');

/** RFC 2822 date-time in UTC, e.g. `Tue, 03 Mar 2026 02:04:05 +0000`. */
function rfc5322Date(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

/** A header address list: addresses only (institutional mailboxes), never display names of persons. */
const addressList = (addresses: readonly string[]) =>
  addresses.length ? addresses.join(', ') : 'undisclosed-recipients:;';

/** The message as RFC 5322 text with a MIME multipart body: the cover text, then each attachment. */
export function renderEml(message: OutgoingMessage): string {
  const boundary = `=_dumas_${createHash('sha256').update(message.messageId).digest('hex').slice(0, 32)}`;
  const lines = [
    `From: ${message.from}`,
    `To: ${addressList(message.to)}`,
    `Subject: ${encodeWord(message.subject)}`,
    `Date: ${rfc5322Date(message.date)}`,
    `Message-ID: ${message.messageId}`,
    'MIME-Version: 1.0',
    `Content-Type: multipart/mixed; boundary="${boundary}"`,
    '',
    'This is a multi-part message in MIME format.',
    `--${boundary}`,
    'Content-Type: text/plain; charset=UTF-8',
    'Content-Transfer-Encoding: base64',
    '',
    base64Lines(Buffer.from(message.text, 'utf8')),
  ];
  for (const a of message.attachments) {
    const name = encodeWord(a.filename.replace(/["\r\n]/g, '_'));
    lines.push(
      `--${boundary}`,
      `Content-Type: ${a.mediaType}; name="${name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${name}"`,
      '',
      base64Lines(a.content),
    );
  }
  lines.push(`--${boundary}--`, '');
  return lines.join('\r\n');
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
    const eml = renderEml(message);
    // Already in the outbox with the same bytes: a replay after a crash, nothing to queue again.
    if (existsSync(target) && readFileSync(target, 'utf8') === eml) return { evidence: `outbox:${name}` };
    // Write-then-rename, so a relay watching the directory never picks up half a message.
    const temp = path.join(this.dir, `.${name}.tmp`);
    const fd = openSync(temp, 'w');
    try {
      writeSync(fd, eml);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
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

export interface SmtpDeliveryOptions extends SmtpOptions {
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

/**
 * Sends each message to the mail server over SMTP (./smtp.ts), keeping the same .eml copy the outbox
 * writes, under the same name, for the record.
 *
 * Nothing is sent twice after a crash, as far as SMTP allows. The flow appends LetterDelivered only after
 * `deliver` returns, and `deliver` returns only after the server's 250 to the end of DATA has been written
 * down as a `<name>.eml.sent` record (durably, before returning). A replay of LetterSent after a crash
 * finds the record and sends nothing, whether the crash came before LetterDelivered or before the flow's
 * checkpoint. The one window left is a crash between the server's 250 and our record: the replay sends the
 * message again, so delivery is at-least-once at the SMTP level. The repeat carries the same Message-ID,
 * derived from the letter, so a receiving system or mail client can recognise it as the letter it has.
 * A refused message (any 4xx/5xx, a refused recipient included) writes no record and throws, so the flow
 * records no delivery and retries it later, then stops and reports itself failed.
 */
export class SmtpDeliveryAdapter implements DeliveryAdapter {
  readonly kind = 'smtp';

  constructor(private readonly options: SmtpDeliveryOptions) {}

  async deliver(message: OutgoingMessage): Promise<DeliveryReceipt> {
    const { dir, host, port } = this.options;
    mkdirSync(dir, { recursive: true });
    const recordName = sentRecordFileName(message.messageId);
    const recordPath = path.join(dir, recordName);
    if (existsSync(recordPath)) {
      const record = JSON.parse(readFileSync(recordPath, 'utf8')) as SentRecord;
      return { evidence: smtpEvidence(record) };
    }
    const eml = Buffer.from(renderEml(message), 'utf8');
    writeFileDurably(dir, outboxFileName(message.messageId), eml);
    const { reply } = await sendMail(this.options, { from: message.from, to: message.to }, eml);
    const record: SentRecord = {
      messageId: message.messageId,
      sha256: createHash('sha256').update(eml).digest('hex'),
      server: `${host}:${port}`,
      reply,
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
