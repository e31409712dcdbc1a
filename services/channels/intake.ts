/**
 * What every channel adapter does with what a complainant sent: a first message becomes a complaint on the
 * channel with the channel's own reference; a later one is added to its case. Both are idempotent by the
 * channel's message id, across restarts: the complaint's id is derived from the first message's id, and an
 * added message's events have ids derived from its own (handleOnce), so a message taken twice (a crash
 * before the mailbox was marked, a webhook the platform redelivers) changes nothing the second time.
 */
import { createHmac } from 'node:crypto';
import { ACCESS_CODE_ALPHABET } from '../shared/access-code';
import type { AddComplainantMessage, ComplainantAttachment } from '../complaint/contract-intake';
import { complaintStreamId } from '../complaint/contract';
import { type ComplaintService, complaintIdFromIdempotencyKey } from '../complaint/contract-intake';
import type { BlobStore } from '../shared/blobs';
import { handleOnce } from '../shared/workers/flow-runner';
import { DomainError } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import type { Logger } from '../shared/logger';
import { type ComplainantIdentityInput, validateComplainantIdentity } from '../shared/pii/identity';

export type IntakeChannel = 'EMAIL' | 'WHATSAPP';

/** The adapter as the actor of what it records: a system role no token can carry. */
export const channelActor = (channel: IntakeChannel): Actor => ({
  id: `channel:${channel.toLowerCase()}`,
  role: 'SYSTEM',
});

/** The complaint a channel's first message becomes: the same id however often the message is taken. */
export const channelComplaintId = (channel: IntakeChannel, reference: string) =>
  complaintIdFromIdempotencyKey(channelActor(channel).id, reference);

/**
 * The access code of a complaint taken in by a channel, derived from the channel secret and the complaint
 * id: the acknowledgement can be sent (again) after a restart without the code ever being stored. Only its
 * hash is in the log, as for every other complaint.
 */
export function channelAccessCode(secret: Buffer, complaintId: string): string {
  const bytes = createHmac('sha256', secret).update(`access-code:${complaintId}`).digest();
  let code = '';
  // 256 is a multiple of 32: every character of the alphabet is equally likely.
  for (let i = 0; i < 12; i++) code += ACCESS_CODE_ALPHABET[bytes[i]! % ACCESS_CODE_ALPHABET.length];
  return `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`;
}

export interface IncomingAttachment {
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Buffer;
}

export interface IncomingMessage {
  readonly channel: IntakeChannel;
  /** The channel's id of the message (an e-mail's Message-ID, a WhatsApp message id). */
  readonly reference: string;
  readonly subject: string;
  readonly text: string;
  readonly complainant: ComplainantIdentityInput | null;
  readonly attachments: readonly IncomingAttachment[];
}

const clip = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

export class ChannelIntake {
  constructor(
    private readonly complaints: ComplaintService,
    private readonly blobs: BlobStore,
    private readonly secret: Buffer,
    private readonly logger: Logger,
  ) {}

  async exists(complaintId: string): Promise<boolean> {
    return (await this.complaints.runtime.store.streamRevision(complaintStreamId(complaintId))) !== undefined;
  }

  /** A first message: the complaint (created once), then its attachments added to the case (once). */
  async receive(message: IncomingMessage): Promise<{ complaintId: string; trackingNumber: string }> {
    const actor = channelActor(message.channel);
    const complaintId = channelComplaintId(message.channel, message.reference);
    const { complaint } = await this.complaints.intake(
      {
        subject: clip(message.subject.trim() || 'Pengaduan tanpa perihal', 200),
        description: clip(message.text.trim() || '(pesan tanpa teks; lihat lampiran)', 10_000),
        complainant: this.identity(message.complainant),
      },
      {
        kind: 'OFFICER',
        channel: message.channel,
        channelReference: message.reference,
        accessCode: channelAccessCode(this.secret, complaintId),
      },
      actor,
      message.reference,
    );
    if (message.attachments.length > 0)
      await this.addMessage(complaintId, { ...message, text: '' }, `${message.reference}#attachments`);
    return { complaintId, trackingNumber: complaint.trackingNumber };
  }

  /**
   * A later message to an existing case: information provided when the case waits for it, otherwise a
   * message added to the case. Attachments go to the blob store first (stored once per content).
   */
  async addMessage(
    complaintId: string,
    message: Pick<IncomingMessage, 'channel' | 'reference' | 'text' | 'attachments'>,
    key = message.reference,
  ): Promise<'APPLIED' | 'ALREADY_APPLIED' | 'REFUSED' | 'UNCHANGED'> {
    const attachments: ComplainantAttachment[] = [];
    for (const a of message.attachments) {
      const { sha256, size } = await this.blobs.put(a.content);
      attachments.push({
        sha256,
        size,
        filename: clip(a.filename || 'lampiran', 200),
        mediaType: a.mediaType,
      });
    }
    const text = message.text.trim();
    // Sealed under the complainant's key like the first message's reference, so one erasure covers both.
    const streamId = complaintStreamId(complaintId);
    const { state } = await this.complaints.handler.load(streamId);
    const subject =
      state.status !== 'NONE' && state.complainant && !state.complainant.erased
        ? state.complainant.subjectId
        : null;
    const command: AddComplainantMessage = {
      type: 'AddComplainantMessage',
      data: {
        channel: message.channel,
        channelReference: message.reference,
        sealedChannelReference: subject
          ? {
              subjectId: subject,
              sealed: await this.complaints.runtime.vault.encrypt(subject, message.reference),
            }
          : null,
        text: text ? clip(text, 10_000) : null,
        attachments,
      },
      metadata: { now: this.complaints.now(), actor: channelActor(message.channel) },
    };
    if (!command.data.text && attachments.length === 0) return 'UNCHANGED';
    return handleOnce(this.complaints.handler, this.complaints.runtime.store, streamId, command, {
      key: `complainant-message/${message.channel}/${key}`,
      caseId: complaintId,
      logger: this.logger,
    });
  }

  /** A sender we cannot take as an identity (a malformed address) files without one rather than not at all. */
  private identity(input: ComplainantIdentityInput | null): ComplainantIdentityInput | null {
    if (!input) return null;
    try {
      validateComplainantIdentity(input);
      return input;
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      this.logger.warn(
        { field: err.details?.field },
        'a channel message came with an unusable sender; taken without identity',
      );
      return null;
    }
  }
}
