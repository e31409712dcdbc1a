/**
 * Complaint forwarded → one FOLLOW_UP_REQUEST draft (*surat permintaan tindak lanjut*) per agency,
 * linked to the complaint. New forwardings after a response was found insufficient get one too. The draft
 * waits for an officer to revise it and a supervisor to approve it; nothing leaves on its own. Imported
 * history (bulk import, the LAPOR exchange) drafts nothing: its letters went out in the source system.
 */
import {
  type ComplaintEvent,
  COMPLAINT_STREAM_PREFIX,
  complaintIdFromStream,
  complaintDecider,
  complaintStreamId,
} from '../../complaint/contract';
import { CommandHandler } from '../../shared/decider';
import type { Actor, RecordedEvent } from '../../shared/eventstore/types';
import { uuidV5 } from '../../shared/ids';
import { type LetterCommand, letterDecider, letterStreamId } from '../domain';
import type { FlowDeps } from './deps';
import { type Flow, handleOnce } from '../../shared/workers/flow-runner';

/** The actor recorded on what flows do by themselves; causation ids point at the event that caused it. */
export const FLOW_ACTOR: Actor = { id: 'system:correspondence-flows', role: 'SYSTEM' };

/** The draft's id follows from the forwarding, so a replay addresses the same letter. */
export const followUpLetterId = (complaintId: string, forwardingId: string) =>
  uuidV5(`follow-up-request/${complaintId}/${forwardingId}`);

export function followUpDraftsFlow(deps: FlowDeps): Flow {
  const letters = new CommandHandler(deps.store, letterDecider);
  const complaints = new CommandHandler(deps.store, complaintDecider);
  return {
    name: 'flow.follow_up_drafts',
    filter: {
      streamPrefixes: [COMPLAINT_STREAM_PREFIX],
      eventTypes: ['ComplaintForwarded', 'AgencyResponseMarkedInsufficient'],
    },
    async handle(recorded: RecordedEvent) {
      const complaintId = complaintIdFromStream(recorded.streamId);
      if (!complaintId) return;
      // An imported forwarding happened in the source system, letter and all: nothing to draft now.
      if (recorded.metadata.imported) return;
      const event = { type: recorded.type, data: recorded.data } as ComplaintEvent;
      if (event.type !== 'ComplaintForwarded' && event.type !== 'AgencyResponseMarkedInsufficient') return;
      const { state } = await complaints.load(complaintStreamId(complaintId));
      const trackingNumber = state.status === 'NONE' ? complaintId : state.trackingNumber;
      const again = event.type === 'AgencyResponseMarkedInsufficient';
      for (const forwarding of event.data.forwardings) {
        const letterId = followUpLetterId(complaintId, forwarding.forwardingId);
        const command: LetterCommand = {
          type: 'DraftLetter',
          data: {
            letterId,
            kind: 'FOLLOW_UP_REQUEST',
            agencyId: forwarding.agencyId,
            complaintIds: [complaintId],
            subject: `${again ? 'Permintaan tindak lanjut ulang' : 'Permintaan tindak lanjut'} pengaduan masyarakat ${trackingNumber}`,
            body: followUpBody(trackingNumber, deps.config.followUpWorkingDays, again),
          },
          metadata: { now: recorded.metadata.occurredAt, actor: FLOW_ACTOR },
        };
        await handleOnce(letters, deps.store, letterStreamId(letterId), command, {
          key: `follow-up-request/${letterId}`,
          cause: recorded,
          caseId: complaintId,
          logger: deps.logger,
          // The letter's id follows from the forwarding: one drafted meanwhile under it (the demo seed
          // drafts some itself) is this follow-up request.
          doneMeanwhile: async () => (await letters.load(letterStreamId(letterId))).state.status !== 'ABSENT',
        });
      }
    },
  };
}

function followUpBody(trackingNumber: string, days: number, again: boolean): string {
  return [
    'Dengan hormat,',
    '',
    again
      ? `Menindaklanjuti laporan hasil tindak lanjut Saudara atas pengaduan masyarakat nomor ${trackingNumber}, kami sampaikan bahwa tanggapan tersebut belum menyelesaikan pengaduan. Kami mohon tindak lanjut lebih lanjut.`
      : `Bersama ini kami teruskan pengaduan masyarakat nomor ${trackingNumber} yang disampaikan kepada Presiden Republik Indonesia untuk ditindaklanjuti sesuai kewenangan Saudara.`,
    '',
    `Kami mohon laporan hasil tindak lanjut disampaikan dalam waktu ${days} hari kerja sejak surat ini diterima, melalui pejabat penghubung (PIC) instansi Saudara.`,
    '',
    'Atas perhatian dan kerja sama Saudara, kami ucapkan terima kasih.',
  ].join('\n');
}
