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
import type { DeliveryConfig } from './config';

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

export function openDeliveryAdapter(config: DeliveryConfig): DeliveryAdapter {
  switch (config.kind) {
    case 'outbox':
      return new OutboxDeliveryAdapter(config.dir);
    case 'smtp':
      // The settings are read and checked, but no SMTP client is written yet: refuse to start rather than
      // pretend letters were sent.
      throw new Error(
        'DUMAS_SMTP_HOST is set, but SMTP delivery is not implemented yet; unset it to use the outbox',
      );
  }
}
