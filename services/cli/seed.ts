/**
 * Demo data for `npm start`, written on the first run only (an empty log): the DIY agencies of DOMAIN.md
 * with their focal points, and a few dozen complaints spread over the lifecycle and over the last four
 * months, each with the correspondence production would have recorded (follow-up requests in every state,
 * reminders when an agency ran late, agency replies with attachments, notices to complainants), plus the
 * evaluation side (an SLA policy change, satisfaction ratings, one finalised and one open evaluation round).
 *
 * Everything goes through the same deciders, command handlers and numbering as the API, and the
 * cross-subgraph effects through the correspondence flows' OWN handlers (follow-up drafts, acknowledgements,
 * replies, reminders) with their deterministic ids. So the record is what production would hold, and when
 * the running correspondence subgraph's flows see the same events (as they do under `npm start`) they
 * find every effect already there and skip it.
 *
 * The complaints' stories run interleaved on one timeline (`runTimeline`), each step when its time comes,
 * so the log is in time order like a real one: letter numbers follow their approval dates, and a KPI
 * snapshot taken at a moment sees exactly what had happened by then. Deterministic: the same data (ids,
 * numbers, times relative to the start) on every fresh machine.
 */
import { uuidV5 } from '../shared/ids';
import { FixedClock } from '../shared/clock';
import { CommandHandler } from '../shared/decider';
import type { CorrespondenceConfig, DumasConfig } from '../shared/config';
import { createEventStore } from '../shared/eventstore';
import type { Actor, EventStore, RecordedEvent } from '../shared/eventstore/types';
import { createLogger, type Logger } from '../shared/logger';
import { openKeyVault } from '../shared/pii';
import type { KeyVault } from '../shared/pii/vault';
import { SqliteReadModelStore } from '../shared/projections';
import type { ReadModelStore } from '../shared/projections/types';
import { type BlobStore, openBlobStore } from '../shared/blobs';
import { openDeliveryAdapter } from '../shared/mail/delivery';
import type { AgencyKind, LetterCommand, LetterStatus } from '../correspondence/domain';
import { LetterNumbering } from '../correspondence/numbering';
import {
  agencyDecider,
  agencyStreamId,
  LETTER_STATES,
  letterDecider,
  letterStreamId,
} from '../correspondence/domain';
import { agencyReplyFlow, letterAcknowledgementFlow } from '../correspondence/flows/complaint-updates';
import type { FlowDeps } from '../correspondence/flows/deps';
import { followUpDraftsFlow, followUpLetterId } from '../correspondence/flows/follow-up';
import { followUpReminderFlow, reminderLetterId } from '../correspondence/flows/reminders';
import type { Flow } from '../shared/workers/flow-runner';
import { TrackingNumberService } from '../complaint/tracking-number';
import {
  type ComplaintCommand,
  type ComplaintForwarded,
  complaintDecider,
  complaintStreamId,
} from '../complaint/domain';
import { prepareComplaintIntake } from '../complaint/intake';
import { type AccessCodeHasher, openAccessCodeHasher } from '../shared/access-code';
import { complaintGuard } from '../complaint/access';
import { endOfJakartaDay, jakartaDate } from '../shared/calendar/dates';
import { WorkingCalendar } from '../shared/calendar/calendar';
import {
  computeAgencyKpisFromEvents,
  evaluationDecider,
  evaluationStreamId,
  type Period,
  periods,
  policyVersionsFromEvents,
  SLA_POLICY_STREAM,
  type SlaPolicyEvent,
  satisfactionDecider,
  satisfactionStreamId,
  slaPolicyDecider,
} from '../evaluation/domain';
import { PUBLIC_RATER } from '../evaluation/service';
import { matchesFilter } from '../shared/eventstore/filter';

export const DEMO_AGENCIES: readonly {
  id: string;
  name: string;
  kind: AgencyKind;
  region: string;
  parent?: string;
  pic: string;
}[] = [
  {
    id: 'inspektorat-diy',
    name: 'Inspektorat Daerah Istimewa Yogyakarta',
    kind: 'PROVINCE',
    region: 'DI Yogyakarta',
    pic: 'Totok Purwoirawan',
  },
  {
    id: 'inspektorat-bantul',
    name: 'Inspektorat Kabupaten Bantul',
    kind: 'REGENCY',
    region: 'Kabupaten Bantul',
    parent: 'inspektorat-diy',
    pic: 'Sri Wahyuni',
  },
  {
    id: 'inspektorat-sleman',
    name: 'Inspektorat Kabupaten Sleman',
    kind: 'REGENCY',
    region: 'Kabupaten Sleman',
    parent: 'inspektorat-diy',
    pic: 'Agus Santoso',
  },
  {
    id: 'inspektorat-gunungkidul',
    name: 'Inspektorat Kabupaten Gunungkidul',
    kind: 'REGENCY',
    region: 'Kabupaten Gunungkidul',
    parent: 'inspektorat-diy',
    pic: 'Dwi Lestari',
  },
  {
    id: 'inspektorat-kulon-progo',
    name: 'Inspektorat Kabupaten Kulon Progo',
    kind: 'REGENCY',
    region: 'Kabupaten Kulon Progo',
    parent: 'inspektorat-diy',
    pic: 'Bambang Riyadi',
  },
  {
    id: 'inspektorat-kota-yogyakarta',
    name: 'Inspektorat Kota Yogyakarta',
    kind: 'CITY',
    region: 'Kota Yogyakarta',
    parent: 'inspektorat-diy',
    pic: 'Rina Kusumawati',
  },
];

const SUBJECTS = [
  ['Jalan rusak tidak kunjung diperbaiki', 'infrastructure'],
  ['Pungutan liar pengurusan KTP', 'public-service'],
  ['Bantuan sosial tidak tepat sasaran', 'social-assistance'],
  ['Sampah menumpuk di pasar', 'environment'],
  ['Guru honorer belum menerima gaji', 'education'],
  ['Antrean puskesmas terlalu lama', 'health'],
  ['Izin usaha dipersulit', 'licensing'],
  ['Lampu penerangan jalan mati', 'infrastructure'],
] as const;
const NAMES = [
  'Siti Rahayu',
  'Budi Santoso',
  'Wahyu Nugroho',
  'Ani Lestari',
  'Joko Prasetyo',
  'Dewi Anggraini',
];

/** A small deterministic generator (mulberry32) so every fresh machine seeds the same scenario. */
function prng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const OFFICER: Actor = { id: 'demo-officer', role: 'OFFICER' };
const SUPERVISOR: Actor = { id: 'demo-supervisor', role: 'SUPERVISOR' };
const ADMIN: Actor = { id: 'demo-admin', role: 'ADMIN' };
const DAY = 86_400_000;

export async function seedAgencies(store: EventStore, at: Date): Promise<void> {
  const handler = new CommandHandler(store, agencyDecider);
  const meta = (offsetMin: number) => ({
    now: new Date(at.getTime() + offsetMin * 60_000).toISOString(),
    actor: ADMIN,
  });
  for (const [i, a] of DEMO_AGENCIES.entries()) {
    const stream = agencyStreamId(a.id);
    await handler.handle(stream, {
      type: 'CreateAgency',
      data: {
        agencyId: a.id,
        name: a.name,
        kind: a.kind,
        region: a.region,
        // Every demo agency is in DI Yogyakarta: its regional holidays apply to their clocks.
        regionCode: 'ID-YO',
        parentAgencyId: a.parent ?? null,
        contact: { emails: [`${a.id}@jogjaprov.go.id`] },
      },
      metadata: meta(i * 4),
    });
    await handler.handle(stream, {
      type: 'AppointFocalPoint',
      data: {
        appointmentId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
        userId: `pic-${a.id}`,
        name: a.pic,
        position: 'Pejabat Penghubung Pengaduan Masyarakat',
        contact: { email: `pic.${a.id}@jogjaprov.go.id` },
      },
      metadata: meta(i * 4 + 1),
    });
    await handler.handle(stream, {
      type: 'StartAgencyPilot',
      data: { mouReference: `MoU/${i + 1}/DIY/2026` },
      metadata: meta(i * 4 + 2),
    });
    if (i < 3) await handler.handle(stream, { type: 'ActivateAgency', data: {}, metadata: meta(i * 4 + 3) });
  }
}

/** How far along the lifecycle a seeded complaint goes. */
const STAGES = [
  'RECEIVED',
  'AWAITING_INFORMATION',
  'REJECTED',
  'VERIFIED',
  'FORWARDED',
  'IN_FOLLOW_UP',
  'RESPONDED',
  'RESOLVED',
  'CLOSED',
] as const;
type Stage = (typeof STAGES)[number];
const ANSWERED_STAGES: readonly Stage[] = ['RESPONDED', 'RESOLVED', 'CLOSED'];

// ── the timeline ───────────────────────────────────────────────────────────────────────────────────

/**
 * A discrete-event timeline: stories wait for their next step's time with `until(ms)`, and only the
 * story whose step is earliest runs (ties in the order they asked), so the steps of all stories reach
 * the log in time order. Exactly one story runs at a time; it yields at each `until`.
 */
export class Timeline {
  private readonly waiting: { at: number; seq: number; wake: () => void }[] = [];
  private seq = 0;
  private running = 0;
  private failed: ((err: unknown) => void) | undefined;
  private done: (() => void) | undefined;

  /** Resolves when every step of every story due before `at` has run. */
  until(at: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.waiting.push({ at, seq: this.seq++, wake: resolve });
      this.running--;
      this.next();
    });
  }

  /** Runs the stories, each from its start time, until all have ended; the first failure fails the run. */
  run(stories: readonly { start: number; story: () => Promise<void> }[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.done = resolve;
      this.failed = reject;
      for (const { start, story } of stories) {
        this.waiting.push({
          at: start,
          seq: this.seq++,
          wake: () => {
            story().then(
              () => {
                this.running--;
                this.next();
              },
              (err: unknown) => this.failed?.(err),
            );
          },
        });
      }
      this.next();
    });
  }

  private next(): void {
    if (this.running > 0) return;
    if (this.waiting.length === 0) {
      this.done?.();
      return;
    }
    let best = 0;
    for (let i = 1; i < this.waiting.length; i++) {
      const w = this.waiting[i]!;
      const b = this.waiting[best]!;
      if (w.at < b.at || (w.at === b.at && w.seq < b.seq)) best = i;
    }
    const [first] = this.waiting.splice(best, 1);
    this.running++;
    first!.wake();
  }
}

// ── what the stories write with ────────────────────────────────────────────────────────────────────

const SIGNER = { name: 'Dr. Hendra Wijaya, S.H., M.H.', position: 'Asisten Deputi Pengaduan Masyarakat' };
const HOUR = 3_600_000;

interface SeedParts {
  readonly store: EventStore;
  readonly vault: KeyVault;
  readonly now: Date;
  readonly logger: Logger;
  readonly correspondence: CorrespondenceConfig;
  readonly blobs: BlobStore;
  readonly numbering: LetterNumbering;
  readonly calendar: WorkingCalendar;
  readonly complaints: CommandHandler<
    ComplaintCommand,
    import('../complaint/domain').ComplaintEvent,
    import('../complaint/domain').ComplaintState
  >;
  readonly letters: CommandHandler<
    LetterCommand,
    import('../correspondence/domain').LetterEvent,
    import('../correspondence/domain').LetterState
  >;
  readonly trackingNumbers: TrackingNumberService;
  readonly accessCodes: AccessCodeHasher;
  /** The correspondence flows as the seed runs them, with a scratch read model for their batches. */
  readonly flowModels: ReadModelStore;
  readonly flows: {
    readonly followUpDrafts: Flow;
    readonly acknowledgements: Flow;
    readonly replies: Flow;
  };
  /** The flows' dependencies, for the reminder flow each story runs on its own clock. */
  readonly flowDeps: FlowDeps;
}

/** The events a command just appended to a stream, as the log recorded them. */
async function appended(store: EventStore, streamId: string, revision: number, count: number) {
  if (count === 0) return [];
  const events = await store.readStream(streamId);
  return events.filter((e) => e.revision > revision - count && e.revision <= revision);
}

/** Hands events to a flow the way its runner does: one batch per event, in log order. */
async function runFlow(flow: Flow, models: ReadModelStore, events: readonly RecordedEvent[]): Promise<void> {
  for (const e of events) {
    if (matchesFilter(e, flow.filter))
      await models.applyBatch(flow.name, e.position, (tx) => flow.handle(e, tx));
  }
}

const reached = (target: LetterStatus, state: LetterStatus) =>
  LETTER_STATES.indexOf(target) >= LETTER_STATES.indexOf(state);

/** A demo attachment: the agency's follow-up report (*laporan hasil tindak lanjut*) as plain text. */
function followUpReport(trackingNumber: string, agencyName: string, date: string): Buffer {
  return Buffer.from(
    [
      `LAPORAN HASIL TINDAK LANJUT PENGADUAN MASYARAKAT`,
      `Nomor pengaduan: ${trackingNumber}`,
      `Instansi: ${agencyName}`,
      `Tanggal: ${date}`,
      '',
      '1. Telah dilakukan klarifikasi kepada unit kerja terkait.',
      '2. Telah dilakukan peninjauan lapangan dan dibuat berita acara.',
      '3. Permasalahan telah ditindaklanjuti sesuai kewenangan.',
      '',
    ].join('\n'),
    'utf8',
  );
}

// ── one complaint's story ──────────────────────────────────────────────────────────────────────────

async function complaintStory(parts: SeedParts, tl: Timeline, i: number, start: number): Promise<void> {
  const { store, now } = parts;
  const end = now.getTime() - 60_000;
  const random = prng(20260901 + i * 7919);
  const stage = STAGES[i % STAGES.length]!;
  /** Which of the (four) complaints of its stage this is: spreads the letters over their states. */
  const variant = Math.floor(i / STAGES.length);
  let t = start;
  const iso = (ms: number) => new Date(ms).toISOString();
  /** Moves the story on by about `days` (never past the seed's now) and waits for that moment. */
  const after = async (days: number) => {
    t = Math.min(t + Math.max(60_000, Math.round(days * DAY * (0.5 + random()))), end);
    await tl.until(t);
    return iso(t);
  };
  const at = async (ms: number) => {
    t = Math.min(Math.max(ms, t), end);
    await tl.until(t);
    return iso(t);
  };

  const [subject, category] = SUBJECTS[i % SUBJECTS.length]!;
  const agency = DEMO_AGENCIES[1 + (i % (DEMO_AGENCIES.length - 1))]!;
  // Not tied to i % 5, which picks the agency: every agency gets some anonymous and some named complainants.
  const anonymous = i % 7 === 3;
  const pic: Actor = { id: `pic-${agency.id}`, role: 'AGENCY', agencyId: agency.id };
  await tl.until(t);
  const prepared = await prepareComplaintIntake(
    { vault: parts.vault, trackingNumbers: parts.trackingNumbers, accessCodes: parts.accessCodes },
    {
      complaintId: uuidV5(`demo-complaint/${i}`),
      subject,
      description: `${subject}. Laporan warga nomor ${i + 1}; mohon ditindaklanjuti.`,
      category,
      region: agency.region,
      anonymous,
      confidential: i % 11 === 0,
      complainant: {
        name: NAMES[i % NAMES.length]!,
        phone: `08123${String(100000 + i * 7919).slice(0, 6)}`,
      },
    },
    {
      kind: 'OFFICER',
      channel: (['EMAIL', 'WHATSAPP', 'WEB', 'LETTER', 'LAPOR', 'WALK_IN'] as const)[i % 6],
      channelReference: `REF-${2026}-${i + 1}`,
    },
    { now: iso(t), actor: OFFICER },
  );
  const id = prepared.complaintId;
  const trackingNumber = prepared.trackingNumber;
  const complaintStream = complaintStreamId(id);
  const complaint = async (command: ComplaintCommand) => {
    const result = await parts.complaints.handle(complaintStream, command, { caseId: id });
    return appended(store, complaintStream, result.revision, result.events.length);
  };
  const letter = async (letterId: string, command: LetterCommand) => {
    const streamId = letterStreamId(letterId);
    const result = await parts.letters.handle(streamId, command, { caseId: id });
    return appended(store, streamId, result.revision, result.events.length);
  };
  const touchedLetters: string[] = [];

  /** Takes an outbound letter from DRAFT as far as `target`, a step at a time, never at or past `limit`. */
  const advance = async (
    letterId: string,
    target: LetterStatus,
    limit: number,
    gaps: { approve: number; send: number; deliver: number; acknowledge: number },
    channel: 'EOFFICE' | 'POST',
  ): Promise<{ reachedState: LetterStatus; sentAt?: number }> => {
    let state: LetterStatus = 'DRAFT';
    const fits = (days: number) => t + days * DAY * 1.5 < limit;
    if (!reached(target, 'APPROVED') || !fits(gaps.approve)) return { reachedState: state };
    await letter(letterId, {
      type: 'ReviseLetter',
      data: { signer: SIGNER },
      metadata: { now: await after(gaps.approve / 3), actor: OFFICER },
    });
    const approvedAt = await after(gaps.approve);
    await parts.numbering.approve(letterId, {
      actor: SUPERVISOR,
      now: approvedAt,
      signatureReference: `TTE-BSrE/${jakartaDate(approvedAt).replaceAll('-', '')}/${letterId.slice(0, 8)}`,
    });
    state = 'APPROVED';
    if (!reached(target, 'SENT') || !fits(gaps.send)) return { reachedState: state };
    const sentAt = await after(gaps.send);
    await letter(letterId, {
      type: 'SendLetter',
      data:
        channel === 'EOFFICE'
          ? { channel, eOfficeNumber: `SRIKANDI-${jakartaDate(sentAt).slice(0, 4)}-${letterId.slice(0, 6)}` }
          : { channel },
      metadata: { now: sentAt, actor: OFFICER },
    });
    state = 'SENT';
    const sent = { sentAt: Date.parse(sentAt) };
    if (!reached(target, 'DELIVERED') || !fits(gaps.deliver)) return { reachedState: state, ...sent };
    await letter(letterId, {
      type: 'MarkLetterDelivered',
      data: { evidence: channel === 'EOFFICE' ? 'Tanda terima elektronik Srikandi' : 'Resi pos tercatat' },
      metadata: { now: await after(gaps.deliver), actor: OFFICER },
    });
    state = 'DELIVERED';
    if (!reached(target, 'ACKNOWLEDGED') || !fits(gaps.acknowledge)) return { reachedState: state, ...sent };
    const acknowledgedBy = await letter(letterId, {
      type: 'AcknowledgeLetter',
      data: {},
      metadata: { now: await after(gaps.acknowledge), actor: pic },
    });
    // The PIC's acknowledgement takes the complaint up (IN_FOLLOW_UP), as the flow does in production.
    await runFlow(parts.flows.acknowledgements, parts.flowModels, acknowledgedBy);
    return { reachedState: 'ACKNOWLEDGED', ...sent };
  };

  /** A notice to the complainant (by post), taken as far as the variant says. */
  const notice = async (what: string) => {
    if (anonymous) return;
    const noticeId = uuidV5(`demo-complainant-notice/${id}`);
    touchedLetters.push(noticeId);
    await letter(noticeId, {
      type: 'DraftLetter',
      data: {
        letterId: noticeId,
        kind: 'COMPLAINANT_NOTICE',
        complaintIds: [id],
        subject: `Pemberitahuan tindak lanjut pengaduan ${trackingNumber}`,
        body: `Dengan hormat,\n\nBersama ini kami sampaikan bahwa pengaduan Saudara nomor ${trackingNumber} ${what}\n\nTerima kasih atas partisipasi Saudara.`,
      },
      metadata: { now: await after(0.5), actor: OFFICER },
    });
    const target = (['DRAFT', 'APPROVED', 'SENT', 'DELIVERED'] as const)[(i + variant) % 4]!;
    await advance(noticeId, target, end, { approve: 0.5, send: 0.5, deliver: 2, acknowledge: 0 }, 'POST');
  };

  await complaint(prepared.command);
  if (stage === 'RECEIVED') return;
  if (stage === 'AWAITING_INFORMATION') {
    await complaint({
      type: 'RequestInformation',
      data: { question: 'Mohon lampirkan foto lokasi.' },
      metadata: { now: await after(1), actor: OFFICER },
    });
    return;
  }
  if (stage === 'REJECTED') {
    await complaint({
      type: 'RejectComplaint',
      data: { reason: 'NOT_GOVERNMENT_MATTER', note: 'Sengketa antarwarga.' },
      metadata: { now: await after(2), actor: OFFICER },
    });
    await notice('tidak dapat kami tindak lanjuti karena bukan merupakan kewenangan pemerintah.');
    return;
  }
  await complaint({
    type: 'VerifyComplaint',
    data: { category, note: null },
    metadata: { now: await after(random() * 3), actor: OFFICER },
  });
  if (stage === 'VERIFIED') return;
  const forwarded = await complaint({
    type: 'ForwardComplaint',
    data: { agencyIds: [agency.id], note: 'Mohon ditindaklanjuti.' },
    metadata: { now: await after(1), actor: OFFICER },
  });
  // The follow-up request draft, by the flow's own handler: the same letter id the running flow derives.
  await runFlow(parts.flows.followUpDrafts, parts.flowModels, forwarded);
  const forwarding = (
    forwarded.find((e) => e.type === 'ComplaintForwarded')!.data as ComplaintForwarded['data']
  ).forwardings[0]!;
  const followUp = followUpLetterId(id, forwarding.forwardingId);
  touchedLetters.push(followUp);

  const answered = ANSWERED_STAGES.includes(stage);
  const followUpTarget: LetterStatus =
    stage === 'FORWARDED'
      ? (['DRAFT', 'APPROVED', 'SENT', 'DELIVERED'] as const)[variant % 4]!
      : 'ACKNOWLEDGED';
  const sent = await advance(
    followUp,
    followUpTarget,
    end,
    { approve: 0.4, send: 0.3, deliver: 0.3, acknowledge: 1 + random() * 2 },
    'EOFFICE',
  );
  // When the agency answers: days after taking the complaint up, sometimes past the follow-up deadline.
  const replyAt = answered ? Math.min(t + Math.round((2 + random() * 10) * DAY), end) : undefined;
  const waitedUntil = replyAt ?? end;

  // A deadline that passed unanswered gets its reminder from the reminder flow at the deadline.
  let reminder: { id: string; state: LetterStatus } | undefined;
  if (sent.sentAt !== undefined) {
    const deadline = Date.parse(
      endOfJakartaDay(
        parts.calendar.addWorkingDays(
          jakartaDate(iso(sent.sentAt)),
          parts.correspondence.followUpWorkingDays,
        ),
      ),
    );
    if (deadline + 60_000 < waitedUntil - HOUR) {
      await at(deadline + 60_000);
      const reminderId = await draftReminder(parts, id, followUp, touchedLetters, iso(t));
      const target: LetterStatus =
        stage === 'FORWARDED'
          ? // Acknowledging it would take the complaint up: FORWARDED complaints' reminders stop before that.
            (['DRAFT', 'SENT', 'DELIVERED', 'APPROVED'] as const)[variant % 4]!
          : stage === 'IN_FOLLOW_UP'
            ? (['DRAFT', 'SENT', 'DELIVERED', 'ACKNOWLEDGED'] as const)[variant % 4]!
            : (['SENT', 'DELIVERED', 'ACKNOWLEDGED', 'DRAFT'] as const)[(i + variant) % 4]!;
      const done = await advance(
        reminderId,
        target,
        waitedUntil - HOUR,
        { approve: 0.1, send: 0.1, deliver: 0.2, acknowledge: 0.3 },
        'EOFFICE',
      );
      reminder = { id: reminderId, state: done.reachedState };
    }
  }
  if (!answered || replyAt === undefined) return;

  // The agency's reply (inbound), registered by its PIC or, when it came by post, by an officer.
  const receivedAt = await at(replyAt);
  const byPost = variant % 2 === 1;
  const replyId = uuidV5(`demo-agency-reply/${id}`);
  touchedLetters.push(replyId);
  const answersReminder = reminder !== undefined && reached(reminder.state, 'SENT') && i % 2 === 0;
  const attachments = [];
  if (i % 3 !== 2) {
    const bytes = followUpReport(trackingNumber, agency.name, jakartaDate(receivedAt));
    const { sha256, size } = await parts.blobs.put(bytes);
    attachments.push({ sha256, size, filename: 'laporan-hasil-tindak-lanjut.txt', mediaType: 'text/plain' });
  }
  const registered = await letter(replyId, {
    type: 'RegisterAgencyReply',
    data: {
      letterId: replyId,
      agencyId: agency.id,
      complaintIds: [id],
      relatedLetterId: answersReminder ? reminder!.id : followUp,
      subject: `Laporan hasil tindak lanjut pengaduan ${trackingNumber}`,
      body: 'Telah ditinjau ke lapangan dan ditindaklanjuti sesuai kewenangan instansi.',
      agencyLetterNumber: `700/${100 + i}/Insp/${jakartaDate(receivedAt).slice(0, 4)}`,
      agencyLetterDate: jakartaDate(iso(Date.parse(receivedAt) - (byPost ? 3 * DAY : 0))),
      attachments,
    },
    metadata: { now: receivedAt, actor: byPost ? OFFICER : pic },
  });
  // The reply answers the letter and records the agency's response on the complaint (RESPONDED).
  await runFlow(parts.flows.replies, parts.flowModels, registered);
  if (stage !== 'RESPONDED' || variant % 2 === 0) {
    await letter(replyId, {
      type: 'AcknowledgeLetter',
      data: {},
      metadata: { now: await after(0.5), actor: OFFICER },
    });
  }
  if (stage === 'RESPONDED') return;
  const resolvedAt = await after(2);
  await complaint({
    type: 'ResolveComplaint',
    data: { resolution: 'Tindak lanjut instansi memadai.' },
    metadata: { now: resolvedAt, actor: SUPERVISOR },
  });
  await notice(`telah ditindaklanjuti oleh ${agency.name} dan dinyatakan selesai.`);
  if (variant !== 1) {
    // The complainant rates the handling with the tracking number and access code (no identity kept).
    await rate(parts, id, 3 + Math.floor(random() * 3), await after(2));
  }
  if (stage === 'RESOLVED') return;
  await complaint({
    type: 'CloseComplaint',
    data: { note: null },
    metadata: { now: await after(10), actor: SUPERVISOR },
  });
}

/**
 * The reminder flow's own tick, on a clock standing at the deadline, over a scratch read model fed this
 * complaint's letters: it drafts exactly the reminder production drafts, with the id the running flow
 * derives (a running tick that got there first leaves the same letter).
 */
async function draftReminder(
  parts: SeedParts,
  complaintId: string,
  followUp: string,
  letterIds: readonly string[],
  at: string,
): Promise<string> {
  const models = new SqliteReadModelStore({ file: ':memory:' });
  try {
    const clock = new FixedClock(new Date(at));
    const flow = followUpReminderFlow({ ...parts.flowDeps, readModels: models, clock });
    const streams = [complaintStreamId(complaintId), ...letterIds.map(letterStreamId)];
    const events = (await Promise.all(streams.map((s) => parts.store.readStream(s))))
      .flat()
      .sort((a, b) => a.position - b.position);
    await runFlow(flow, models, events);
    await flow.tick();
  } finally {
    await models.close();
  }
  const reminderId = reminderLetterId(followUp, 1);
  const { state } = await parts.letters.load(letterStreamId(reminderId));
  if (state.status === 'ABSENT')
    throw new Error('the reminder flow drafted no reminder at a passed deadline');
  return reminderId;
}

async function rate(parts: SeedParts, complaintId: string, rating: number, at: string): Promise<void> {
  const comments = ['', 'Terima kasih, sudah ditangani.', 'Penanganan cukup baik namun agak lama.'];
  const comment = comments[rating % comments.length]!;
  await new CommandHandler(parts.store, satisfactionDecider).handle(
    satisfactionStreamId(complaintId),
    {
      type: 'RateSatisfaction',
      data: { complaintId, resolution: 1, rating, ...(comment ? { comment } : {}) },
      metadata: { now: at, actor: PUBLIC_RATER },
    },
    { caseId: complaintId },
  );
}

// ── evaluation ─────────────────────────────────────────────────────────────────────────────────────

/** The last quarter that ended at least three weeks before `now`: the one the demo rounds evaluate. */
export function seededQuarter(now: Date): Period {
  const d = jakartaDate(new Date(now.getTime() - 21 * DAY).toISOString());
  const year = Number(d.slice(0, 4));
  const q = Math.floor((Number(d.slice(5, 7)) - 1) / 3) + 1;
  return q === 1 ? periods.quarter(year - 1, 4) : periods.quarter(year, q - 1);
}

/** The SLA policy change: written responses counted in working days from about two months ago. */
async function slaPolicyStory(parts: SeedParts, tl: Timeline, at: number): Promise<void> {
  await tl.until(at);
  const now = new Date(at).toISOString();
  await new CommandHandler(parts.store, slaPolicyDecider).handle(SLA_POLICY_STREAM, {
    type: 'ChangeSlaPolicy',
    data: {
      effectiveFrom: jakartaDate(new Date(at + 14 * DAY).toISOString()),
      limits: { WRITTEN_RESPONSE: { length: 10, unit: 'WORKING_DAYS' } },
      reason: 'Rapat koordinasi pengelolaan pengaduan DIY: jawaban tertulis dihitung dalam hari kerja.',
    },
    metadata: { now, actor: ADMIN },
  });
}

/** The KPIs of an agency for a period as they stood at `asOf`, recomputed from the log. */
async function kpisAt(parts: SeedParts, agencyId: string, period: Period, asOf: string) {
  const events = await parts.store.readAll();
  const policy = policyVersionsFromEvents(
    events
      .filter((e) => e.streamId === SLA_POLICY_STREAM)
      .map((e) => ({ type: e.type, data: e.data }) as SlaPolicyEvent),
  );
  const end = endOfJakartaDay(period.to);
  return computeAgencyKpisFromEvents(
    events,
    agencyId,
    period,
    { calendar: parts.calendar, policy },
    asOf < end ? asOf : end,
  );
}

/**
 * Two evaluation rounds of the seeded quarter: Bantul's finalised (berita acara signed by the officer and
 * the PIC), Sleman's still open with a first finding.
 */
async function evaluationStory(
  parts: SeedParts,
  tl: Timeline,
  quarter: Period,
  finalised: boolean,
): Promise<void> {
  const agency = DEMO_AGENCIES.find(
    (a) => a.id === (finalised ? 'inspektorat-bantul' : 'inspektorat-sleman'),
  )!;
  const end = parts.now.getTime() - 60_000;
  const quarterEnd = Date.parse(endOfJakartaDay(quarter.to));
  let t = finalised ? Math.min(quarterEnd + 10 * DAY, end - 8 * DAY) : end - 2 * DAY;
  const step = async (days: number) => {
    t = Math.min(t + days * DAY, end);
    await tl.until(t);
    return new Date(t).toISOString();
  };
  const evaluationId = `demo-${agency.id}-${quarter.from.slice(0, 4)}-q${Math.floor(Number(quarter.from.slice(5, 7)) / 3) + 1}`;
  const stream = evaluationStreamId(evaluationId);
  const handler = new CommandHandler(parts.store, evaluationDecider);
  const openedAt = await step(0);
  const kpis = await kpisAt(parts, agency.id, quarter, openedAt);
  await handler.handle(stream, {
    type: 'OpenEvaluation',
    data: { evaluationId, agencyId: agency.id, period: quarter, kpis },
    metadata: { now: openedAt, actor: OFFICER },
  });
  await handler.handle(stream, {
    type: 'RecordFinding',
    data: {
      findingId: 'f1',
      kpi: 'respondedWithinSlaPercent',
      text: `Sebagian laporan hasil tindak lanjut diterima setelah batas waktu; ${kpis.remindersSent} surat pengingat dikirim pada periode ini.`,
    },
    metadata: { now: await step(0.1), actor: OFFICER },
  });
  if (!finalised) return;
  await handler.handle(stream, {
    type: 'RecordFinding',
    data: {
      findingId: 'f2',
      text: 'Pejabat penghubung mengonfirmasi penerimaan surat melalui Srikandi secara konsisten.',
    },
    metadata: { now: await step(0.1), actor: OFFICER },
  });
  await handler.handle(stream, {
    type: 'RecordRecommendation',
    data: {
      recommendationId: 'r1',
      text: 'Menetapkan target internal lima hari kerja untuk laporan hasil tindak lanjut pertama.',
    },
    metadata: { now: await step(0.2), actor: OFFICER },
  });
  const due = jakartaDate(new Date(quarterEnd + 75 * DAY).toISOString());
  await handler.handle(stream, {
    type: 'AgreeFollowUpAction',
    data: {
      actionId: 'a1',
      description: 'Inspektorat menyusun SOP penanganan pengaduan rujukan Kemensetneg.',
      owner: 'AGENCY',
      dueDate: due,
    },
    metadata: { now: await step(0.2), actor: OFFICER },
  });
  await handler.handle(stream, {
    type: 'SignBeritaAcara',
    data: { signerName: SIGNER.name, position: SIGNER.position, signatureReference: 'TTE-BSrE/BA/001' },
    metadata: { now: await step(2), actor: OFFICER },
  });
  await handler.handle(stream, {
    type: 'SignBeritaAcara',
    data: { signerName: agency.pic, position: 'Pejabat Penghubung Pengaduan Masyarakat' },
    metadata: { now: await step(3), actor: { id: `pic-${agency.id}`, role: 'AGENCY', agencyId: agency.id } },
  });
}

// ── putting it together ────────────────────────────────────────────────────────────────────────────

export async function seedHistory(
  store: EventStore,
  vault: KeyVault,
  config: DumasConfig,
  now: Date,
  count = 36,
): Promise<void> {
  const logger = createLogger({ name: 'seed', level: config.logLevel ?? 'warn' });
  const correspondence = config.correspondence;
  const blobs = openBlobStore(correspondence.blobs);
  const flowModels = new SqliteReadModelStore({ file: ':memory:' });
  try {
    const calendar = WorkingCalendar.bundled();
    const flowDeps: FlowDeps = {
      store,
      readModels: flowModels,
      logger,
      clock: new FixedClock(now),
      config: correspondence,
      calendar,
      blobs,
      delivery: openDeliveryAdapter(correspondence.delivery),
    };
    const parts: SeedParts = {
      store,
      vault,
      now,
      logger,
      correspondence,
      blobs,
      numbering: new LetterNumbering(store, correspondence.numbering),
      calendar,
      complaints: new CommandHandler(store, complaintDecider, complaintGuard),
      letters: new CommandHandler(store, letterDecider),
      trackingNumbers: new TrackingNumberService(store),
      accessCodes: openAccessCodeHasher(config),
      flowModels,
      flows: {
        followUpDrafts: followUpDraftsFlow(flowDeps),
        acknowledgements: letterAcknowledgementFlow(flowDeps),
        replies: agencyReplyFlow(flowDeps),
      },
      flowDeps,
    };
    const tl = new Timeline();
    const quarter = seededQuarter(now);
    const stories: { start: number; story: () => Promise<void> }[] = [];
    const random = prng(20260901);
    for (let i = 0; i < count; i++) {
      // Received over the last ~4 months, a few days apart, at office hours' spread.
      const start =
        now.getTime() - (120 - Math.floor((i * 110) / count)) * DAY + Math.floor(random() * 8) * HOUR;
      stories.push({ start, story: () => complaintStory(parts, tl, i, start) });
    }
    const policyAt = now.getTime() - 75 * DAY;
    stories.push({ start: policyAt, story: () => slaPolicyStory(parts, tl, policyAt) });
    for (const finalised of [true, false]) {
      stories.push({ start: 0, story: () => evaluationStory(parts, tl, quarter, finalised) });
    }
    await tl.run(stories);
  } finally {
    await flowModels.close();
    await blobs.close();
  }
}

/** Seeds when the log is empty; answers whether it did. */
export async function seedIfEmpty(config: DumasConfig, now = new Date()): Promise<boolean> {
  const store = await createEventStore(config.store);
  const vault = openKeyVault(config);
  try {
    if ((await store.headPosition()) > 0) return false;
    await seedAgencies(store, new Date(now.getTime() - 130 * DAY));
    await seedHistory(store, vault, config, now);
    return true;
  } finally {
    await vault.close();
    await store.close();
  }
}
