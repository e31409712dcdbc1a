/**
 * The flows between subgraphs survive a crash at the worst moments: the process "dies" (every append fails
 * from then on and the flow stops at its first failure) either just before an effect is appended or just
 * after it was committed but before the flow's checkpoint was; a new runtime over the same files then
 * finishes the work. Each test counts the effects in the log: nothing lost, nothing doubled.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { complaintDecider, complaintStreamId } from '../../services/complaint/domain';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { CommandHandler } from '../../services/shared/decider';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type {
  AppendOptions,
  EventStore,
  NewEvent,
  RecordedEvent,
} from '../../services/shared/eventstore/types';
import { createLogger } from '../../services/shared/logger';
import {
  type CorrespondenceRuntime,
  startCorrespondenceRuntime,
} from '../../services/correspondence/subgraph';
import {
  agencyDecider,
  agencyStreamId,
  type LetterCommand,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain';
import {
  FOLLOW_UP_CHASES,
  type FollowUpChaseDoc,
  followUpLetterId,
} from '../../services/correspondence/flows';
import { bantulPic, forwarded, officer, received, supervisor, verified } from '../complaint/fixtures';
import { InterceptingEventStore } from './intercepting-store';

const logger = createLogger({ name: 'flows-test', level: 'silent' });
const COMPLAINT = 'c-0001';
const BANTUL_LETTER = followUpLetterId(COMPLAINT, 'inspektorat-bantul/1');
const SLEMAN_LETTER = followUpLetterId(COMPLAINT, 'inspektorat-sleman/1');

class Crash extends Error {}

/** The store as a process sees it: `die` makes every later append fail, as if the process had been killed. */
class MortalStore extends InterceptingEventStore {
  dead = false;
  private trigger:
    | ((streamId: string, events: readonly NewEvent[]) => 'before' | 'after' | undefined)
    | undefined;
  constructor(inner: EventStore) {
    super(inner, {
      before: (streamId, events) => {
        if (this.dead) throw new Crash('the process is dead');
        if (this.trigger?.(streamId, events) === 'before') {
          this.dead = true;
          throw new Crash('killed before the append');
        }
      },
      after: (streamId, events) => {
        if (this.trigger?.(streamId, events) === 'after') {
          this.dead = true;
          throw new Crash('killed after the append committed');
        }
      },
    });
  }
  dieAt(trigger: (streamId: string, events: readonly NewEvent[]) => 'before' | 'after' | undefined) {
    this.trigger = trigger;
  }
}

let dir: string;
let inner: SqliteEventStore;
let clock: FixedClock;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-flows-'));
  inner = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
  clock = new FixedClock(new Date('2026-01-05T02:00:00.000Z'));
});

afterEach(async () => {
  await inner.close();
  rmSync(dir, { recursive: true, force: true });
});

function open(store: EventStore, log = logger): Promise<CorrespondenceRuntime> {
  return startCorrespondenceRuntime({
    config: loadConfig({ DUMAS_DATA_DIR: dir }),
    store,
    clock,
    logger: log,
    correspondence: { reminderTickMs: 0 },
    // A crashed process does not retry: the flow stops at its first failure, like the process would.
    flowRetry: { maxAttempts: 1 },
  });
}

async function untilDead(rt: CorrespondenceRuntime): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Object.keys(rt.flows!.runner.failures()).length === 0) {
    if (Date.now() > deadline) throw new Error('the flow never hit the crash');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function settle(rt: CorrespondenceRuntime): Promise<void> {
  const head = await inner.headPosition();
  await rt.flows!.runner.waitFor(head);
  await rt.projections.waitFor(await inner.headPosition());
}

const ofType = async (type: string): Promise<RecordedEvent[]> =>
  inner.readAll({ filter: { eventTypes: [type] } });

async function appendForwardedComplaint(store: EventStore): Promise<void> {
  await store.append(
    complaintStreamId(COMPLAINT),
    [received, verified, forwarded].map((e) => ({
      ...e,
      metadata: { occurredAt: e.data.at, actor: officer, caseId: COMPLAINT },
    })),
  );
}

async function createAgencies(store: EventStore): Promise<void> {
  const agencies = new CommandHandler(store, agencyDecider);
  for (const id of ['inspektorat-bantul', 'inspektorat-sleman']) {
    await agencies.handle(agencyStreamId(id), {
      type: 'CreateAgency',
      data: {
        agencyId: id,
        name: id,
        kind: 'REGENCY',
        region: 'DIY',
        contact: { emails: [`${id}@example.go.id`] },
      },
      metadata: { now: clock.now().toISOString(), actor: { id: 'admin', role: 'ADMIN' } },
    });
  }
}

/** Approves and sends the follow-up drafts; by POST (delivered by hand) unless EMAIL is asked. */
async function approveAndSend(
  rt: CorrespondenceRuntime,
  letterId: string,
  channel: 'POST' | 'EMAIL' = 'POST',
) {
  const now = clock.now().toISOString();
  await rt.numbering.approve(letterId, { actor: supervisor, now });
  await new CommandHandler(rt.store, letterDecider).handle(letterStreamId(letterId), {
    type: 'SendLetter',
    data: { channel, ...(channel === 'EMAIL' ? { messageId: `<${letterId}@dumas.setneg.go.id>` } : {}) },
    metadata: { now, actor: officer },
  } satisfies LetterCommand);
}

describe('given a complaint forwarded to two agencies', () => {
  it.each(['before', 'after'] as const)(
    'a process killed %s drafting the first follow-up request drafts exactly one per agency after restart',
    async (when) => {
      const store = new MortalStore(inner);
      store.dieAt((streamId) => (streamId.startsWith('letter-') ? when : undefined));
      const first = await open(store);
      await appendForwardedComplaint(inner);
      await untilDead(first);
      expect(await ofType('LetterDrafted')).toHaveLength(when === 'after' ? 1 : 0);
      await first.close();

      const second = await open(inner);
      await settle(second);
      const drafts = await ofType('LetterDrafted');
      expect(drafts.map((e) => e.streamId).sort()).toEqual(
        [letterStreamId(BANTUL_LETTER), letterStreamId(SLEMAN_LETTER)].sort(),
      );
      expect(drafts.every((e) => e.metadata.caseId === COMPLAINT)).toBe(true);
      await second.close();

      // A third start replays nothing new.
      const third = await open(inner);
      await settle(third);
      expect(await ofType('LetterDrafted')).toHaveLength(2);
      await third.close();
    },
  );
});

/** Given: the agencies, a complaint forwarded to Bantul, and its follow-up request approved and sent. */
async function followUpSentToBantul(): Promise<CorrespondenceRuntime> {
  const rt = await open(inner);
  await createAgencies(inner);
  await appendForwardedComplaint(inner);
  await settle(rt);
  await approveAndSend(rt, BANTUL_LETTER);
  await settle(rt);
  return rt;
}

/** When: Bantul's focal point acknowledges the follow-up request (in the log, not through a flow). */
async function bantulAcknowledgesLetter(): Promise<void> {
  await new CommandHandler(inner, letterDecider).handle(letterStreamId(BANTUL_LETTER), {
    type: 'AcknowledgeLetter',
    data: {},
    metadata: { now: clock.now().toISOString(), actor: bantulPic },
  });
}

describe('given a follow-up request drafted by hand under the id the flow would give it', () => {
  it('the flow takes it for its own draft: one letter, no warning', async () => {
    await createAgencies(inner);
    await appendForwardedComplaint(inner);
    // What the demo seed does for some cases: the follow-up request drafted before the flow gets there.
    await new CommandHandler(inner, letterDecider).handle(letterStreamId(BANTUL_LETTER), {
      type: 'DraftLetter',
      data: {
        letterId: BANTUL_LETTER,
        kind: 'FOLLOW_UP_REQUEST',
        agencyId: 'inspektorat-bantul',
        complaintIds: [COMPLAINT],
        subject: 'Permintaan tindak lanjut',
        body: 'Mohon ditindaklanjuti.',
      },
      metadata: { now: clock.now().toISOString(), actor: officer },
    } satisfies LetterCommand);
    const lines: { level: string }[] = [];
    const capture = createLogger({
      name: 'flows-drafted',
      level: 'debug',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    const rt = await open(inner, capture);
    await settle(rt);
    await rt.close();
    expect(
      (await ofType('LetterDrafted')).filter((e) => e.streamId === letterStreamId(BANTUL_LETTER)),
    ).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });
});

describe('given a follow-up request sent to Bantul', () => {
  it('when the PIC acknowledges the complaint by hand while the flow acknowledges it for the letter, one acknowledgement and no warning', async () => {
    await (await followUpSentToBantul()).close();

    // The PIC acknowledges the complaint in the complaint subgraph between the flow's check of the
    // forwarding and the flow's own append, which then meets a stream that moved on.
    const byHand = new CommandHandler(inner, complaintDecider);
    let raced = false;
    class RacingStore extends InterceptingEventStore {
      override async append(streamId: string, events: readonly NewEvent[], options?: AppendOptions) {
        if (
          !raced &&
          streamId === complaintStreamId(COMPLAINT) &&
          events[0]?.type === 'ComplaintAcknowledged'
        ) {
          raced = true;
          await byHand.handle(streamId, {
            type: 'AcknowledgeComplaint',
            data: { agencyId: 'inspektorat-bantul' },
            metadata: { now: clock.now().toISOString(), actor: bantulPic },
          });
        }
        return super.append(streamId, events, options);
      }
    }
    const lines: { level: string; msg: string }[] = [];
    const capture = createLogger({
      name: 'flows-race',
      level: 'debug',
      destination: { write: (line: string) => lines.push(JSON.parse(line)) },
    });
    const rt = await open(new RacingStore(inner, {}), capture);
    await bantulAcknowledgesLetter();
    await settle(rt);
    await rt.close();

    expect(raced).toBe(true);
    expect(await ofType('ComplaintAcknowledged')).toHaveLength(1);
    expect(lines.filter((l) => l.level === 'warn' || l.level === 'error')).toEqual([]);
  });

  it.each(['before', 'after'] as const)(
    "the PIC's acknowledgement acknowledges the complaint once, with a kill %s the effect",
    async (when) => {
      await (await followUpSentToBantul()).close();

      const store = new MortalStore(inner);
      store.dieAt((streamId, events) =>
        streamId === complaintStreamId(COMPLAINT) && events[0]?.type === 'ComplaintAcknowledged'
          ? when
          : undefined,
      );
      const first = await open(store);
      await bantulAcknowledgesLetter();
      await untilDead(first);
      await first.close();

      const second = await open(inner);
      await settle(second);
      const acknowledged = await ofType('ComplaintAcknowledged');
      expect(acknowledged).toHaveLength(1);
      expect(acknowledged[0]).toMatchObject({
        streamId: complaintStreamId(COMPLAINT),
        data: { agencyId: 'inspektorat-bantul', by: bantulPic.id },
        metadata: { actor: bantulPic, caseId: COMPLAINT },
      });
      await second.close();
    },
  );

  it('a kill between writing the .eml and recording the delivery leaves one message and one delivery', async () => {
    const setup = await open(inner);
    await createAgencies(inner);
    await appendForwardedComplaint(inner);
    await settle(setup);
    await setup.close();

    const store = new MortalStore(inner);
    store.dieAt((_streamId, events) => (events[0]?.type === 'LetterDelivered' ? 'before' : undefined));
    const first = await open(store);
    await first.numbering.approve(BANTUL_LETTER, { actor: supervisor, now: clock.now().toISOString() });
    await approveAndSendEmail(BANTUL_LETTER);
    await untilDead(first);
    expect(readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    expect(await ofType('LetterDelivered')).toHaveLength(0);
    await first.close();

    const second = await open(inner);
    await settle(second);
    expect(readdirSync(path.join(dir, 'outbox')).filter((f) => f.endsWith('.eml'))).toHaveLength(1);
    const delivered = await ofType('LetterDelivered');
    expect(delivered).toHaveLength(1);
    expect(delivered[0]!.data).toMatchObject({ evidence: `outbox:${BANTUL_LETTER}_dumas.setneg.go.id.eml` });
    await second.close();
  });
});

async function approveAndSendEmail(letterId: string) {
  await new CommandHandler(inner, letterDecider).handle(letterStreamId(letterId), {
    type: 'SendLetter',
    data: { channel: 'EMAIL', messageId: `<${letterId}@dumas.setneg.go.id>` },
    metadata: { now: clock.now().toISOString(), actor: officer },
  });
}

describe('given a follow-up request sent and not answered', () => {
  it('drafts one reminder per passed deadline, none before it, none twice, none after a reply', async () => {
    let rt = await followUpSentToBantul();
    const chase = await rt.readModels.get<FollowUpChaseDoc>(FOLLOW_UP_CHASES, BANTUL_LETTER);
    expect(chase).toMatchObject({ open: true, reminders: 0, answered: false });
    // 5 working days after Monday 5 January 2026, at the end of that day in Jakarta.
    expect(chase!.dueAt).toBe('2026-01-12T16:59:59.999Z');

    clock.set(new Date(Date.parse(chase!.dueAt!) - 1));
    expect(await rt.flows!.reminders.tick()).toEqual([]);
    clock.set(new Date(Date.parse(chase!.dueAt!) + 1));
    const [reminderId] = await rt.flows!.reminders.tick();
    expect(reminderId).toBeDefined();
    expect(await rt.flows!.reminders.tick()).toEqual([]);
    await rt.close();

    // After a restart the same deadline is not chased again.
    rt = await open(inner);
    await settle(rt);
    expect(await rt.flows!.reminders.tick()).toEqual([]);
    const reminders = await ofType('LetterDrafted').then((es) =>
      es.filter((e) => (e.data as { kind: string }).kind === 'REMINDER'),
    );
    expect(reminders).toHaveLength(1);
    expect(reminders[0]!.data).toMatchObject({
      letterId: reminderId,
      kind: 'REMINDER',
      agencyId: 'inspektorat-bantul',
      relatedLetterId: BANTUL_LETTER,
      complaintIds: [COMPLAINT],
    });

    // The reminder is sent: a new deadline runs from then, and passing it drafts the second reminder.
    await approveAndSend(rt, reminderId!);
    await settle(rt);
    const next = await rt.readModels.get<FollowUpChaseDoc>(FOLLOW_UP_CHASES, BANTUL_LETTER);
    expect(next).toMatchObject({ reminders: 1, open: true });
    expect(Date.parse(next!.dueAt!)).toBeGreaterThan(Date.parse(chase!.dueAt!));

    // The agency answers before that deadline: nothing more is chased.
    await new CommandHandler(inner, letterDecider).handle(letterStreamId('reply-1'), {
      type: 'RegisterAgencyReply',
      data: {
        letterId: 'reply-1',
        agencyId: 'inspektorat-bantul',
        complaintIds: [COMPLAINT],
        relatedLetterId: BANTUL_LETTER,
        subject: 'Laporan',
        body: 'Sudah ditindaklanjuti.',
      },
      metadata: { now: clock.now().toISOString(), actor: bantulPic },
    });
    await settle(rt);
    await settle(rt);
    clock.set(new Date(Date.parse(next!.dueAt!) + 1));
    expect(await rt.flows!.reminders.tick()).toEqual([]);
    expect(await rt.readModels.get<FollowUpChaseDoc>(FOLLOW_UP_CHASES, BANTUL_LETTER)).toMatchObject({
      answered: true,
      open: false,
    });
    // And the reply moved the complaint's Bantul forwarding to RESPONDED, once.
    expect(await ofType('AgencyResponseRecorded')).toHaveLength(1);
    expect(await ofType('LetterReplied')).toHaveLength(1);
    await rt.close();
  });
});
