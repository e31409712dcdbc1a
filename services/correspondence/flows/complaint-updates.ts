/**
 * Letters move complaints on:
 * - a follow-up request or reminder acknowledged by the agency's PIC → `AcknowledgeComplaint` for each
 *   complaint it covers (the forwarding goes IN_FOLLOW_UP);
 * - an agency reply registered → `RecordLetterReply` on the letter it answers, and `RecordAgencyResponse`
 *   for each complaint it covers (the complaint becomes RESPONDED once every current forwarding responded).
 * The complaint's own decider judges each command (through the CommandHandler), on behalf of whoever
 * acknowledged or registered the letter; a complaint the agency already acknowledged or answered by hand
 * in the complaint subgraph is left as it is.
 */
import {
  type ComplaintCommand,
  type ComplaintState,
  complaintDecider,
  complaintStreamId,
} from '../../complaint/contract';
import { CommandHandler } from '../../shared/decider';
import type { RecordedEvent } from '../../shared/eventstore/types';
import {
  AGENCY_ADDRESSED_KINDS,
  type AgencyReplyRegistered,
  type LetterAcknowledged,
  type LetterCommand,
  LETTER_STREAM_PREFIX,
  letterDecider,
  letterStreamId,
} from '../domain';
import type { FlowDeps } from './deps';
import { type Flow, handleOnce } from '../../shared/workers/flow-runner';

/** Longest response text the complaint domain accepts. */
const MAX_RESPONSE = 10_000;

function currentForwardingStatus(state: ComplaintState, agencyId: string): string | undefined {
  if (state.status === 'NONE') return undefined;
  return state.forwardings.find((f) => f.agencyId === agencyId)?.status;
}

export function letterAcknowledgementFlow(deps: FlowDeps): Flow {
  const letters = new CommandHandler(deps.store, letterDecider);
  const complaints = new CommandHandler(deps.store, complaintDecider);
  return {
    name: 'flow.letter_acknowledgements',
    filter: { streamPrefixes: [LETTER_STREAM_PREFIX], eventTypes: ['LetterAcknowledged'] },
    async handle(recorded: RecordedEvent) {
      const event = { type: recorded.type, data: recorded.data } as LetterAcknowledged;
      const actor = recorded.metadata.actor;
      // Only the PIC's acknowledgement means the agency has taken the complaint up.
      if (actor?.role !== 'AGENCY') return;
      const { state: letter } = await letters.load(letterStreamId(event.data.letterId));
      if (letter.status === 'ABSENT' || letter.direction !== 'OUTBOUND') return;
      if (!AGENCY_ADDRESSED_KINDS.includes(letter.kind) || !letter.agencyId) return;
      const agencyId = letter.agencyId;
      const number = 'number' in letter && letter.number ? letter.number.number : letter.letterId;
      for (const complaintId of letter.complaintIds) {
        const streamId = complaintStreamId(complaintId);
        const { state } = await complaints.load(streamId);
        if (currentForwardingStatus(state, agencyId) !== 'FORWARDED') continue;
        const command: ComplaintCommand = {
          type: 'AcknowledgeComplaint',
          data: { agencyId, note: `Surat ${number} diterima oleh pejabat penghubung` },
          metadata: { now: event.data.acknowledgedAt, actor },
        };
        await handleOnce(complaints, deps.store, streamId, command, {
          key: `acknowledge-complaint/${recorded.id}/${complaintId}`,
          cause: recorded,
          caseId: complaintId,
          logger: deps.logger,
          doneMeanwhile: async () =>
            currentForwardingStatus((await complaints.load(streamId)).state, agencyId) !== 'FORWARDED',
        });
      }
    },
  };
}

export function agencyReplyFlow(deps: FlowDeps): Flow {
  const letters = new CommandHandler(deps.store, letterDecider);
  const complaints = new CommandHandler(deps.store, complaintDecider);
  return {
    name: 'flow.agency_replies',
    filter: { streamPrefixes: [LETTER_STREAM_PREFIX], eventTypes: ['AgencyReplyRegistered'] },
    async handle(recorded: RecordedEvent) {
      const event = { type: recorded.type, data: recorded.data } as AgencyReplyRegistered;
      const d = event.data;
      const actor = recorded.metadata.actor ?? { id: d.registeredBy, role: 'OFFICER' };
      if (d.relatedLetterId) {
        const command: LetterCommand = {
          type: 'RecordLetterReply',
          data: { replyLetterId: d.letterId },
          metadata: { now: recorded.metadata.occurredAt, actor },
        };
        await handleOnce(letters, deps.store, letterStreamId(d.relatedLetterId), command, {
          key: `record-letter-reply/${d.relatedLetterId}/${d.letterId}`,
          cause: recorded,
          logger: deps.logger,
        });
      }
      const reference = d.agencyLetterNumber ? ` (surat ${d.agencyLetterNumber})` : '';
      const response = `${d.subject}${reference}\n\n${d.body}`.slice(0, MAX_RESPONSE);
      for (const complaintId of d.complaintIds) {
        const streamId = complaintStreamId(complaintId);
        const { state } = await complaints.load(streamId);
        const status = currentForwardingStatus(state, d.agencyId);
        if (status !== 'FORWARDED' && status !== 'ACKNOWLEDGED') continue;
        const command: ComplaintCommand = {
          type: 'RecordAgencyResponse',
          data: { agencyId: d.agencyId, response },
          metadata: { now: d.receivedAt, actor },
        };
        await handleOnce(complaints, deps.store, streamId, command, {
          key: `record-agency-response/${recorded.id}/${complaintId}`,
          cause: recorded,
          caseId: complaintId,
          logger: deps.logger,
          doneMeanwhile: async () => {
            const now = currentForwardingStatus((await complaints.load(streamId)).state, d.agencyId);
            return now !== 'FORWARDED' && now !== 'ACKNOWLEDGED';
          },
        });
      }
    },
  };
}
