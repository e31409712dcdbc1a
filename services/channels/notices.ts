/**
 * The outbox of what a channel's complainant is told: a flow over the complaint events of cases a channel
 * adapter took in. The acknowledgement (tracking number and access code) and the status changes the
 * complainant should know go back on the channel the complaint came by: an e-mail through the delivery
 * adapter (the .eml outbox, or SMTP), a WhatsApp text through the Cloud API.
 *
 * The intent is the complaint event itself, already in the log; the flow's checkpoint moves only after the
 * message went out, so a crash sends it again (at-least-once). An e-mail carries a Message-ID derived from
 * the event, and the delivery adapter sends nothing twice for one it has a record of.
 */
import type { ComplaintReceived } from '../complaint/contract';
import { COMPLAINT_STREAM_PREFIX, complaintIdFromStream, complaintStreamId } from '../complaint/contract';
import type { DeliveryAdapter } from '../shared/mail/delivery';
import type { Flow } from '../shared/workers/flow-runner';
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { Logger } from '../shared/logger';
import { openComplainantIdentity } from '../shared/pii/identity';
import { ERASED } from '../shared/pii/sealed';
import type { KeyVault } from '../shared/pii/vault';
import { complainantMessageId } from './email';
import { channelAccessCode } from './intake';
import type { WhatsAppCloudClient } from './whatsapp';

export interface NoticeDeps {
  readonly store: EventStore;
  readonly vault: KeyVault;
  readonly logger: Logger;
  readonly secret: Buffer;
  readonly mail: { readonly from: string; readonly domain: string; readonly delivery: DeliveryAdapter };
  readonly whatsapp?: WhatsAppCloudClient;
}

type Data = Readonly<Record<string, unknown>>;

/** What the complainant is told of each event, in Indonesian; undefined: nothing to tell. */
function noticeText(
  event: RecordedEvent,
  received: ComplaintReceived['data'],
  accessCode: string,
): string | undefined {
  const d = event.data as Data;
  const number = received.trackingNumber;
  switch (event.type) {
    case 'ComplaintReceived':
      return [
        'Terima kasih. Pengaduan Anda telah kami terima.',
        '',
        `Nomor pelacakan: ${number}`,
        `Kode akses: ${accessCode}`,
        '',
        'Simpan kode akses ini: bersama nomor pelacakan, kode ini diperlukan untuk melihat perkembangan pengaduan Anda.',
      ].join('\n');
    case 'InformationRequested':
      return `Pengaduan ${number}: kami memerlukan keterangan tambahan.\n\n${String(d.question ?? '')}\n\nMohon balas pesan ini.`;
    case 'ComplaintForwarded':
      return `Pengaduan ${number} telah diteruskan kepada instansi yang berwenang untuk ditindaklanjuti.`;
    case 'ComplaintRejected':
      return `Pengaduan ${number} tidak dapat ditindaklanjuti.${d.note ? `\n\n${String(d.note)}` : ''}`;
    case 'ComplaintResolved':
      return `Pengaduan ${number} telah selesai ditindaklanjuti.\n\n${String(d.resolution ?? '')}`;
    case 'ComplaintClosed':
      return `Pengaduan ${number} telah ditutup. Terima kasih atas partisipasi Anda.`;
    default:
      return undefined;
  }
}

export const NOTICE_EVENT_TYPES = [
  'ComplaintReceived',
  'InformationRequested',
  'ComplaintForwarded',
  'ComplaintRejected',
  'ComplaintResolved',
  'ComplaintClosed',
] as const;

export function channelNoticesFlow(deps: NoticeDeps): Flow {
  return {
    name: 'flow.channel_notices',
    filter: { streamPrefixes: [COMPLAINT_STREAM_PREFIX], eventTypes: [...NOTICE_EVENT_TYPES] },
    async handle(recorded: RecordedEvent) {
      const complaintId = complaintIdFromStream(recorded.streamId);
      if (!complaintId) return;
      const first =
        recorded.type === 'ComplaintReceived'
          ? recorded
          : (await deps.store.readStream(complaintStreamId(complaintId), { maxCount: 1 }))[0];
      // Only complaints a channel adapter took in: an officer's intake has its own way back.
      if (first?.type !== 'ComplaintReceived' || first.metadata.actor?.role !== 'SYSTEM') return;
      const received = first.data as ComplaintReceived['data'];
      if ((received.channel !== 'EMAIL' && received.channel !== 'WHATSAPP') || !received.complainant) return;
      const identity = await openComplainantIdentity(deps.vault, received.complainant.sealed);
      if (identity === ERASED) return;
      const text = noticeText(recorded, received, channelAccessCode(deps.secret, complaintId));
      if (!text) return;
      if (received.channel === 'EMAIL' && identity.email) {
        // The complainant's Message-ID, sealed with the identity's key: the notice answers in their thread.
        const opened = received.sealedChannelReference
          ? await deps.vault.decrypt(received.sealedChannelReference.sealed)
          : received.channelReference;
        const reference = opened && opened !== ERASED ? opened : undefined;
        await deps.mail.delivery.deliver({
          messageId: complainantMessageId(
            recorded.type === 'ComplaintReceived' ? 'ack' : 'notice',
            complaintId,
            String(recorded.revision),
            deps.mail.domain,
          ),
          from: deps.mail.from,
          to: [identity.email],
          subject: `[${received.trackingNumber}] ${received.subject}`.slice(0, 250),
          date: recorded.metadata.occurredAt,
          text,
          attachments: [],
          ...(reference ? { inReplyTo: reference, references: [reference] } : {}),
        });
      } else if (received.channel === 'WHATSAPP' && identity.phone) {
        if (!deps.whatsapp) {
          deps.logger.warn(
            { complaintId },
            'a WhatsApp notice is due but the WhatsApp channel is not configured',
          );
          return;
        }
        await deps.whatsapp.sendText(identity.phone, text);
      }
    },
  };
}
