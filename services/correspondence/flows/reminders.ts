/**
 * Follow-up deadlines: a follow-up request (or its latest reminder) that was sent and got no reply within
 * the configured working days (default 5, on the working-day calendar of the evaluation domain) gets a
 * REMINDER draft (*surat pengingat*), once per deadline: the reminder's id is derived from the request and
 * its ordinal, so a second tick, a second process or a replay finds it already there. The next deadline
 * runs from when that reminder is sent. A reply to the request or any of its reminders, or a response to
 * every complaint it covers recorded in the complaint subgraph, ends the chase.
 *
 * The flow keeps each chase in its own collection from the log; the periodic tick (driven by the injected
 * clock) only reads that collection and appends drafts.
 */
import {
  type AgencyResponseRecorded,
  COMPLAINT_STREAM_PREFIX,
  complaintIdFromStream,
} from '../../complaint/contract';
import { CommandHandler } from '../../shared/decider';
import type { RecordedEvent } from '../../shared/eventstore/types';
import type { ReadModelTx } from '../../shared/projections/types';
import { endOfJakartaDay, jakartaDate } from '../../shared/calendar/dates';
import {
  type LetterCommand,
  type LetterEvent,
  LETTER_STREAM_PREFIX,
  letterDecider,
  letterStreamId,
} from '../domain';
import { uuidV5 } from '../../shared/ids';
import type { FlowDeps } from './deps';
import { FLOW_ACTOR } from './follow-up';
import { type Flow, handleOnce } from '../../shared/workers/flow-runner';

export const FOLLOW_UP_CHASES = 'follow_up_chases';
/** Letter id → the follow-up request whose chase it belongs to. */
const CHASE_OF_LETTER = 'follow_up_chase_letters';
/** `{complaintId}/{agencyId}` → the chases covering that complaint for that agency. */
const CHASES_OF_FORWARDING = 'follow_up_chase_forwardings';

export interface FollowUpChaseDoc {
  /** The FOLLOW_UP_REQUEST letter's id. */
  readonly id: string;
  readonly agencyId: string;
  readonly complaintIds: readonly string[];
  readonly respondedComplaintIds: readonly string[];
  /** Reminders drafted so far (by this flow or by hand). */
  readonly reminders: number;
  /** When the request or its latest reminder was sent; null while the latest is not sent yet. */
  readonly lastSentAt: string | null;
  /** The end of the working day by which a reply is due; null while nothing is awaiting one. */
  readonly dueAt: string | null;
  readonly answered: boolean;
  /** Still chased: not answered and fewer reminders than the maximum. */
  readonly open: boolean;
}

export const reminderLetterId = (followUpLetterId: string, ordinal: number) =>
  uuidV5(`reminder/${followUpLetterId}/${ordinal}`);

export interface ReminderFlow extends Flow {
  /** Drafts the reminders whose deadline passed by the clock's now; returns their letter ids. */
  tick(): Promise<string[]>;
}

export function followUpReminderFlow(deps: FlowDeps): ReminderFlow {
  const letters = new CommandHandler(deps.store, letterDecider);
  const days = deps.config.followUpWorkingDays;
  const max = deps.config.maxReminders;
  const deadline = (sentAt: string) =>
    endOfJakartaDay(deps.calendar.addWorkingDays(jakartaDate(sentAt), days));
  const reopen = (doc: FollowUpChaseDoc): FollowUpChaseDoc => ({
    ...doc,
    open: !doc.answered && doc.reminders < max,
  });

  async function chaseOf(tx: ReadModelTx, letterId: string): Promise<FollowUpChaseDoc | undefined> {
    const link = await tx.get<{ chaseId: string }>(CHASE_OF_LETTER, letterId);
    return link ? tx.get<FollowUpChaseDoc>(FOLLOW_UP_CHASES, link.chaseId) : undefined;
  }

  async function onLetterEvent(recorded: RecordedEvent, tx: ReadModelTx): Promise<void> {
    const event = { type: recorded.type, data: recorded.data } as LetterEvent;
    switch (event.type) {
      case 'LetterDrafted': {
        const d = event.data;
        if (d.kind === 'FOLLOW_UP_REQUEST' && d.agencyId) {
          const doc: FollowUpChaseDoc = {
            id: d.letterId,
            agencyId: d.agencyId,
            complaintIds: d.complaintIds,
            respondedComplaintIds: [],
            reminders: 0,
            lastSentAt: null,
            dueAt: null,
            answered: false,
            open: max > 0,
          };
          await tx.put(FOLLOW_UP_CHASES, d.letterId, doc);
          await tx.put(CHASE_OF_LETTER, d.letterId, { chaseId: d.letterId });
          for (const complaintId of d.complaintIds) {
            const key = `${complaintId}/${d.agencyId}`;
            const index = await tx.get<{ chaseIds: string[] }>(CHASES_OF_FORWARDING, key);
            await tx.put(CHASES_OF_FORWARDING, key, { chaseIds: [...(index?.chaseIds ?? []), d.letterId] });
          }
        } else if (d.kind === 'REMINDER' && d.relatedLetterId) {
          const chase = await chaseOf(tx, d.relatedLetterId);
          if (!chase) return;
          await tx.put(CHASE_OF_LETTER, d.letterId, { chaseId: chase.id });
          // Waiting for this reminder to be sent: the next deadline runs from then.
          await tx.put(
            FOLLOW_UP_CHASES,
            chase.id,
            reopen({ ...chase, reminders: chase.reminders + 1, dueAt: null }),
          );
        }
        return;
      }
      case 'LetterSent': {
        const chase = await chaseOf(tx, event.data.letterId);
        if (!chase || chase.answered) return;
        const sentAt = event.data.sentAt;
        await tx.put(
          FOLLOW_UP_CHASES,
          chase.id,
          reopen({ ...chase, lastSentAt: sentAt, dueAt: deadline(sentAt) }),
        );
        return;
      }
      case 'LetterReplied': {
        const chase = await chaseOf(tx, event.data.letterId);
        if (!chase) return;
        await tx.put(FOLLOW_UP_CHASES, chase.id, reopen({ ...chase, answered: true, dueAt: null }));
        return;
      }
      default:
        return;
    }
  }

  async function onResponse(recorded: RecordedEvent, tx: ReadModelTx): Promise<void> {
    const complaintId = complaintIdFromStream(recorded.streamId);
    if (!complaintId) return;
    const { agencyId } = recorded.data as AgencyResponseRecorded['data'];
    const index = await tx.get<{ chaseIds: string[] }>(CHASES_OF_FORWARDING, `${complaintId}/${agencyId}`);
    for (const chaseId of index?.chaseIds ?? []) {
      const chase = await tx.get<FollowUpChaseDoc>(FOLLOW_UP_CHASES, chaseId);
      if (!chase || chase.respondedComplaintIds.includes(complaintId)) continue;
      const respondedComplaintIds = [...chase.respondedComplaintIds, complaintId];
      const answered = chase.complaintIds.every((id) => respondedComplaintIds.includes(id));
      await tx.put(
        FOLLOW_UP_CHASES,
        chaseId,
        reopen({ ...chase, respondedComplaintIds, answered, dueAt: answered ? null : chase.dueAt }),
      );
    }
  }

  let ticking: Promise<string[]> | undefined;

  async function draftDueReminders(): Promise<string[]> {
    const now = deps.clock.now().toISOString();
    const due = await deps.readModels.find<FollowUpChaseDoc>(FOLLOW_UP_CHASES, {
      where: { open: true, dueAt: { lte: now } },
      orderBy: [{ path: 'dueAt', direction: 'asc' }],
      limit: 500,
    });
    const drafted: string[] = [];
    for (const chase of due) {
      if (!chase.dueAt || chase.dueAt > now) continue;
      const ordinal = chase.reminders + 1;
      const letterId = reminderLetterId(chase.id, ordinal);
      const open = chase.complaintIds.filter((id) => !chase.respondedComplaintIds.includes(id));
      const command: LetterCommand = {
        type: 'DraftLetter',
        data: {
          letterId,
          kind: 'REMINDER',
          agencyId: chase.agencyId,
          complaintIds: open.length ? open : chase.complaintIds,
          relatedLetterId: chase.id,
          subject: `Surat pengingat ${ordinal}: permintaan tindak lanjut pengaduan masyarakat`,
          body: [
            'Dengan hormat,',
            '',
            `Sampai dengan batas waktu ${days} hari kerja, kami belum menerima laporan hasil tindak lanjut atas surat permintaan tindak lanjut kami.`,
            'Kami mohon laporan tersebut segera disampaikan melalui pejabat penghubung (PIC) instansi Saudara.',
            '',
            'Atas perhatian Saudara, kami ucapkan terima kasih.',
          ].join('\n'),
        },
        metadata: { now, actor: FLOW_ACTOR },
      };
      const outcome = await handleOnce(letters, deps.store, letterStreamId(letterId), command, {
        key: `reminder/${letterId}`,
        logger: deps.logger,
      });
      if (outcome === 'APPLIED') drafted.push(letterId);
    }
    return drafted;
  }

  return {
    name: 'flow.follow_up_reminders',
    collections: [FOLLOW_UP_CHASES, CHASE_OF_LETTER, CHASES_OF_FORWARDING],
    filter: {
      streamPrefixes: [LETTER_STREAM_PREFIX, COMPLAINT_STREAM_PREFIX],
      eventTypes: ['LetterDrafted', 'LetterSent', 'LetterReplied', 'AgencyResponseRecorded'],
    },
    async handle(recorded, tx) {
      if (recorded.streamId.startsWith(COMPLAINT_STREAM_PREFIX)) return onResponse(recorded, tx);
      return onLetterEvent(recorded, tx);
    },
    tick() {
      // One tick at a time: an overlapping timer waits for the running one's answer.
      ticking ??= draftDueReminders().finally(() => {
        ticking = undefined;
      });
      return ticking;
    },
  };
}
