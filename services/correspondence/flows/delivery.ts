/**
 * The outbox of letters sent by email: LetterSent (channel EMAIL) → the delivery adapter → LetterDelivered
 * with the adapter's evidence. The mutation records the intent (SENT) in the log first, so a crash before
 * the message is written is finished by this flow on restart; the adapter is idempotent per Message-ID and
 * LetterDelivered has an id derived from the LetterSent event, so a crash after writing sends nothing twice.
 */
import { complaintDecider, complaintStreamId } from '../../complaint/contract';
import { CommandHandler } from '../../shared/decider';
import type { RecordedEvent } from '../../shared/eventstore/types';
import {
  agencyDecider,
  agencyStreamId,
  currentFocalPoint,
  type LetterCommand,
  type LetterSent,
  LETTER_STREAM_PREFIX,
  letterDecider,
  letterStreamId,
} from '../domain';
import type { OutgoingAttachment } from '../../shared/mail/delivery';
import { letterAsPdf, letterFileName } from '../letter-pdf';
import type { FlowDeps } from './deps';
import { FLOW_ACTOR } from './follow-up';
import { type Flow, handleOnce } from '../../shared/workers/flow-runner';

export const letterMessageId = (letterId: string) => `<${letterId}@dumas.setneg.go.id>`;

export function letterDeliveryFlow(deps: FlowDeps): Flow {
  const letters = new CommandHandler(deps.store, letterDecider);
  const agencies = new CommandHandler(deps.store, agencyDecider);
  const complaints = new CommandHandler(deps.store, complaintDecider);
  return {
    name: 'flow.letter_delivery',
    filter: { streamPrefixes: [LETTER_STREAM_PREFIX], eventTypes: ['LetterSent'] },
    async handle(recorded: RecordedEvent) {
      const event = { type: recorded.type, data: recorded.data } as LetterSent;
      if (event.data.channel !== 'EMAIL') return;
      const streamId = letterStreamId(event.data.letterId);
      const { state: letter } = await letters.load(streamId);
      // Acknowledged in the portal before the mail went out, or already delivered: nothing to send.
      if (letter.status !== 'SENT' || letter.direction !== 'OUTBOUND' || !letter.agencyId) return;
      const { state: agency } = await agencies.load(agencyStreamId(letter.agencyId));
      const to = new Set<string>();
      if (agency.status !== 'ABSENT') {
        for (const e of agency.contact.emails) to.add(e);
        const pic = currentFocalPoint(agency);
        if (pic?.contact.email) to.add(pic.contact.email);
      }
      if (to.size === 0) {
        deps.logger.warn(
          { letterId: letter.letterId, agencyId: letter.agencyId },
          'a letter sent by email has no address in the agency directory; record its delivery by hand',
        );
        return;
      }
      const attachments: OutgoingAttachment[] = [
        {
          filename: letterFileName(letter),
          mediaType: 'application/pdf',
          content: await letterAsPdf(letter, agency, {
            // The letter names the complaints as their complainants and agencies know them.
            trackingNumbers: await Promise.all(
              letter.complaintIds.map(async (id) => {
                const { state } = await complaints.load(complaintStreamId(id));
                return state.status === 'NONE' ? id : state.trackingNumber;
              }),
            ),
          }),
        },
      ];
      for (const a of letter.attachments) {
        const content = await deps.blobs.get(a.sha256);
        if (!content)
          throw new Error(`attachment ${a.sha256} of letter ${letter.letterId} is not in the blob store`);
        attachments.push({ filename: a.filename, mediaType: a.mediaType, content });
      }
      const number = letter.number.number;
      const receipt = await deps.delivery.deliver({
        messageId: event.data.messageId ?? letterMessageId(letter.letterId),
        from: deps.config.delivery.from,
        to: [...to],
        subject: `${number} — ${letter.subject}`,
        date: event.data.sentAt,
        text: `Dengan hormat,\n\nTerlampir kami sampaikan surat nomor ${number} perihal "${letter.subject}".\nMohon pejabat penghubung mengonfirmasi penerimaan melalui portal instansi.\n\nAsisten Deputi Pengaduan Masyarakat\nKementerian Sekretariat Negara\n`,
        attachments,
      });
      const now = deps.clock.now().toISOString();
      const command: LetterCommand = {
        type: 'MarkLetterDelivered',
        data: {
          // Never before the sending (a clock behind the log's time), never after now.
          deliveredAt: Date.parse(now) < Date.parse(event.data.sentAt) ? event.data.sentAt : now,
          evidence: receipt.evidence,
        },
        metadata: {
          now: Date.parse(now) < Date.parse(event.data.sentAt) ? event.data.sentAt : now,
          actor: FLOW_ACTOR,
        },
      };
      await handleOnce(letters, deps.store, streamId, command, {
        key: `letter-delivered/${recorded.id}`,
        cause: recorded,
        logger: deps.logger,
      });
    },
  };
}
