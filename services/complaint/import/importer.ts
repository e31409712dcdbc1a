/**
 * One imported row → one whole case, in one append: the intake with its original receipt time, then
 * the history the source holds (verified and forwarded, responded, resolved and closed, or rejected),
 * each event at its original time (`occurredAt`, `data.at`) while the store records it now
 * (`recordedAt`). The whole sequence is decided before anything is written: in a batch, on the real
 * intake (its identity sealed with a key that exists only in memory, its tracking number only drawn), so
 * the decider runs once per case and a bad row writes neither a key, nor a claim, nor any event.
 *
 * The complaint id follows from the channel and the source's own reference, so the same row imported
 * twice, or a LAPOR complaint that the pull worker already brought in, is "already present".
 */
import { createHash, randomUUID } from 'node:crypto';
import { CommandHandler, decideAll, eventsToAppend } from '../../shared/decider';
import { DomainError } from '../../shared/errors';
import {
  type Actor,
  DuplicateEventIdError,
  type EventStore,
  type StreamAppend,
  WrongExpectedRevisionError,
} from '../../shared/eventstore/types';
import type { KeyVault, NewSubjectKeysElsewhere, StoredDataKey } from '../../shared/pii/vault';
import type { ComplaintCommand } from '../domain/commands';
import { type Channel, complaintStreamId } from '../domain/constants';
import { complaintDecider } from '../domain/decider';
import type { ComplaintEvent } from '../domain/events';
import {
  type ComplaintIntakeInput,
  type OfficerIntake,
  placeholderIntakeCommand,
  prepareComplaintIntake,
  type SealedIntake,
  sealComplaintIntake,
} from '../intake';
import type { ComplaintState } from '../domain/state';
import {
  draftTrackingNumber,
  TRACKING_NUMBER_STREAM_PREFIX,
  TrackingNumberService,
} from '../tracking-number';
import type { AgencyDirectory } from '../agency-directory';
import type { ImportRecord } from './mapping';

/** Who the log says did what an import brings in: the history's real actors are not in the sources. */
export const IMPORT_ACTOR: Actor = { id: 'system:import', role: 'SYSTEM' };

const uuidFromKey = (key: string) => {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/** The serial of a case's tracking-number claim among its event ids (its own events count from 0). */
const CLAIM_SERIAL = 0xfff;

/**
 * Deterministic event ids for an imported case (a retry of the same append is recognised by the store):
 * 80 bits that name where the case came from, 36 bits more and a 12-bit serial. A row of a file is named
 * by the file's digest and its line, so one file's events follow each other in the store's id index and a
 * batch dirties a few of its pages instead of one per case (what a commit writes is mostly such pages;
 * at 20k rows that was about 440 of the 2,000 a commit wrote). A case from an exchange, with no file,
 * takes its complaint id's first 80 bits and a hash: its ids at least sit side by side.
 */
function importEventIds(complaintId: string, provenance: ImportProvenance): (serial: number) => string {
  const { fileDigest, line } = provenance;
  const [head, tail] =
    fileDigest !== undefined && line !== undefined && line < 2 ** 36
      ? [uuidFromKey(`dumas:import-file:${fileDigest}`).slice(0, 24), line.toString(16).padStart(9, '0')]
      : [
          complaintId.slice(0, 24),
          createHash('sha256').update(`dumas:import:${complaintId}`).digest('hex').slice(0, 9),
        ];
  return (serial) => {
    if (serial > CLAIM_SERIAL) throw new RangeError('too many events for one case');
    return `${head}${tail}${serial.toString(16).padStart(3, '0')}`;
  };
}

/**
 * The complaint id of a complaint that came in with a channel's own reference (a LAPOR tracking id, an
 * e-mail Message-ID): one reference, one complaint, whichever path brought it in first.
 */
export const channelComplaintId = (channel: Channel, reference: string) =>
  uuidFromKey(`dumas:channel-complaint:${channel}:${reference}`);

export interface ImportProvenance {
  readonly source: string;
  /** SHA-256 (hex) of the whole file, and the row's line in it; absent for an exchange (LAPOR pull). */
  readonly fileDigest?: string;
  readonly line?: number;
}

export type ImportOutcome =
  | { readonly kind: 'imported'; readonly complaintId: string; readonly trackingNumber: string | null }
  | { readonly kind: 'present'; readonly complaintId: string }
  | { readonly kind: 'refused'; readonly reason: string };

const NO_RESPONSE_TEXT = 'Tindak lanjut tercatat di sumber data tanpa uraian.';
const NO_RESOLUTION_TEXT = 'Selesai menurut sumber data.';
const REJECTED_NOTE = 'Ditolak menurut sumber data.';

/** The history of a record as commands, each at its original time. Pure. */
export function historyCommands(
  record: ImportRecord,
  agencyIds: readonly string[],
  actor: Actor = IMPORT_ACTOR,
): ComplaintCommand[] {
  const at = (now: string) => ({ now, actor });
  const commands: ComplaintCommand[] = [];
  if (record.rejection) {
    commands.push({
      type: 'RejectComplaint',
      data: { reason: record.rejection.reason, note: REJECTED_NOTE },
      metadata: at(record.closedAt ?? record.receivedAt),
    });
    return commands;
  }
  if (record.forwardedAt) {
    commands.push(
      { type: 'VerifyComplaint', data: {}, metadata: at(record.forwardedAt) },
      { type: 'ForwardComplaint', data: { agencyIds }, metadata: at(record.forwardedAt) },
    );
  }
  if (record.respondedAt) {
    for (const agencyId of agencyIds) {
      commands.push({
        type: 'RecordAgencyResponse',
        data: { agencyId, response: record.response ?? NO_RESPONSE_TEXT },
        metadata: at(record.respondedAt),
      });
    }
  }
  if (record.closedAt) {
    commands.push(
      {
        type: 'ResolveComplaint',
        data: { resolution: record.response ?? NO_RESOLUTION_TEXT },
        metadata: at(record.closedAt),
      },
      { type: 'CloseComplaint', data: {}, metadata: at(record.closedAt) },
    );
  }
  return commands;
}

/** A row that passed every check and waits to be written. */
export interface Candidate {
  readonly complaintId: string;
  readonly streamId: string;
  readonly input: ComplaintIntakeInput & { readonly complaintId: string };
  readonly how: OfficerIntake;
  readonly context: { readonly now: string; readonly actor: Actor };
  readonly history: readonly ComplaintCommand[];
  readonly provenance: ImportProvenance;
}

type Draft = ReturnType<TrackingNumberService['draft']>;

/**
 * The checks before the decider that need no store: the agencies resolve. Pure; whether the case exists
 * already is the caller's to ask.
 */
export function screenRecord(
  record: ImportRecord,
  provenance: ImportProvenance,
  agencies: AgencyDirectory,
  actor: Actor = IMPORT_ACTOR,
): { readonly kind: 'refused'; readonly reason: string } | Candidate {
  const agencyIds: string[] = [];
  for (const name of record.agencies) {
    const id = agencies.resolve(name);
    if (!id) return { kind: 'refused', reason: 'an agency is not in the directory (by id or name)' };
    if (!agencyIds.includes(id)) agencyIds.push(id);
  }
  const complaintId = channelComplaintId(record.channel, record.reference);
  const input = {
    complaintId,
    subject: record.subject,
    description: record.description,
    category: record.category,
    region: record.region,
    confidential: record.confidential,
    anonymous: record.anonymous,
    complainant: record.complainant,
  };
  const how: OfficerIntake = {
    kind: 'OFFICER',
    channel: record.channel,
    channelReference: record.reference,
    receivedAt: record.receivedAt,
    imported: { ...provenance, originalId: record.reference },
  };
  const context = { now: record.receivedAt, actor };
  const history = historyCommands(record, agencyIds, actor);
  return { complaintId, streamId: complaintStreamId(complaintId), input, how, context, history, provenance };
}

function appendOptions(c: Candidate, eventIds = importEventIds(c.complaintId, c.provenance)) {
  return {
    caseId: c.complaintId,
    // A retry of the same append (a lost reply) is recognised by the store instead of doubled.
    eventIds,
    // Every event of the case says where it came from; flows leave imported history alone.
    extraMetadata: { imported: c.provenance },
  };
}

/** The case decided on its sealed intake and drawn number: its claim and its stream, to append together. */
function caseAppends(c: Candidate, intake: SealedIntake, draft: Draft): StreamAppend[] {
  const { decided } = decideAll(complaintDecider, complaintDecider.initialState(), [
    intake.build(draft.trackingNumber),
    ...c.history,
  ]);
  const eventIds = importEventIds(c.complaintId, c.provenance);
  return [
    { ...draft.claim, events: draft.claim.events.map((e) => ({ ...e, id: eventIds(CLAIM_SERIAL) })) },
    {
      streamId: c.streamId,
      events: eventsToAppend(decided, appendOptions(c, eventIds)),
      expectedRevision: 'no_stream',
    },
  ];
}

/**
 * A case made ready for ComplaintImporter.commitPrepared where no store is at hand (an import's worker
 * thread): its identity sealed with a key made in memory, a tracking number drawn (not yet checked
 * against the store), the whole case decided on them. Throws the DomainError that refuses the row.
 */
export async function prepareCase(
  c: Candidate,
  keys: Pick<KeyVault, 'encrypt'>,
  /** The numbers drawn so far, never drawn again (a transaction takes each claim stream once). */
  drawn: { has(trackingNumber: string): boolean; add(trackingNumber: string): unknown },
): Promise<{ subjectId: string; claimStreamId: string; trackingNumber: string; appends: StreamAppend[] }> {
  const subjectId = randomUUID();
  const intake = await sealComplaintIntake({ vault: keys }, { ...c.input, subjectId }, c.how, c.context, {
    decidedAfter: true,
  });
  let draft: Draft;
  do draft = draftTrackingNumber(c.complaintId, intake.year, c.context);
  while (drawn.has(draft.trackingNumber));
  drawn.add(draft.trackingNumber);
  return {
    subjectId,
    claimStreamId: draft.claim.streamId,
    trackingNumber: draft.trackingNumber,
    appends: caseAppends(c, intake, draft),
  };
}

/** A case made ready by prepareCase; its appends as the store takes them, or serialised to cross threads. */
export interface PreparedCase<Append = StreamAppend> {
  readonly complaintId: string;
  readonly streamId: string;
  readonly subjectId: string;
  readonly claimStreamId: string;
  readonly trackingNumber: string;
  readonly appends: readonly Append[];
}

/** A row for commitPrepared: a case prepared (prepareCase), or one to import on its own (`prepared` absent). */
export interface PreparedRow {
  /** The row's record, asked for only when the row is imported on its own. */
  readonly original: () => { readonly record: ImportRecord; readonly provenance: ImportProvenance };
  readonly prepared?: PreparedCase;
}

/** How often a case draws again when the number it drew is taken already (see draw). */
const MAX_CASE_DRAWS = 20;
/** How often a batch draws again when one of its tracking numbers turns out to be taken. */
const MAX_BATCH_DRAWS = 20;

export class ComplaintImporter {
  private readonly handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>;
  private readonly trackingNumbers: TrackingNumberService;

  constructor(
    private readonly store: EventStore,
    private readonly vault: KeyVault,
    private readonly agencies: AgencyDirectory,
    private readonly actor: Actor = IMPORT_ACTOR,
  ) {
    this.handler = new CommandHandler(store, complaintDecider);
    this.trackingNumbers = new TrackingNumberService(store);
  }

  /** Imports one record; `dryRun` decides everything and writes nothing. Never throws a DomainError. */
  async importRecord(
    record: ImportRecord,
    provenance: ImportProvenance,
    options: { readonly dryRun?: boolean } = {},
  ): Promise<ImportOutcome> {
    const checked = await this.check(record, provenance);
    if ('kind' in checked) return checked;
    if (options.dryRun) return { kind: 'imported', complaintId: checked.complaintId, trackingNumber: null };
    return this.writeOne(checked);
  }

  /**
   * Imports records as `importRecord` does, one outcome each in order, but commits the cases that pass
   * in one transaction (their keys in one more), instead of three commits per case. A refused row is
   * left out before the commit. All or nothing: a batch that cannot commit whole (another writer created
   * one of its cases meanwhile) is written case by case instead, each whole or not at all, as
   * `importRecord` would.
   */
  async importBatch(
    items: readonly { readonly record: ImportRecord; readonly provenance: ImportProvenance }[],
    options: { readonly dryRun?: boolean } = {},
  ): Promise<ImportOutcome[]> {
    const outcomes: (ImportOutcome | undefined)[] = new Array(items.length);
    const candidates: { index: number; candidate: Candidate }[] = [];
    const later: number[] = [];
    const inBatch = new Set<string>();
    const ids = items.map(({ record }) => channelComplaintId(record.channel, record.reference));
    // Which cases exist already, asked about the whole batch at once.
    const present = await this.existing(ids.map(complaintStreamId));
    for (const [index, { record, provenance }] of items.entries()) {
      const id = ids[index]!;
      // The same reference twice in one batch: the second is judged once the first is written.
      if (inBatch.has(id)) {
        later.push(index);
        continue;
      }
      const known = present.has(complaintStreamId(id));
      // A dry run decides on placeholders; a real batch decides once, on the real intake (writeMany).
      const checked = options.dryRun
        ? await this.check(record, provenance, known)
        : await this.screen(record, provenance, known);
      if ('kind' in checked) outcomes[index] = checked;
      else if (options.dryRun) outcomes[index] = { kind: 'imported', complaintId: id, trackingNumber: null };
      else {
        inBatch.add(id);
        candidates.push({ index, candidate: checked });
      }
    }
    if (options.dryRun) {
      for (const index of later)
        outcomes[index] = {
          kind: 'present',
          complaintId: channelComplaintId(items[index]!.record.channel, items[index]!.record.reference),
        };
      return outcomes as ImportOutcome[];
    }
    const written = await this.writeMany(candidates.map((c) => c.candidate));
    for (const [i, { index }] of candidates.entries()) outcomes[index] = written[i];
    for (const index of later)
      outcomes[index] = await this.importRecord(items[index]!.record, items[index]!.provenance);
    return outcomes as ImportOutcome[];
  }

  /** Everything that can refuse a record, before anything is written: `screen`, then the decider. */
  private async check(
    record: ImportRecord,
    provenance: ImportProvenance,
    present?: boolean,
  ): Promise<ImportOutcome | Candidate> {
    const screened = await this.screen(record, provenance, present);
    if ('kind' in screened) return screened;
    try {
      // The whole case, decided on placeholders: what would refuse it refuses it before any write.
      decideAll(complaintDecider, complaintDecider.initialState(), [
        placeholderIntakeCommand(screened.input, screened.how, screened.context),
        ...screened.history,
      ]);
    } catch (err) {
      if (err instanceof DomainError) return { kind: 'refused', reason: err.message };
      throw err;
    }
    return screened;
  }

  /**
   * The checks before the decider: the agencies resolve and the case is not there yet (`present` when
   * the caller has asked the store already).
   */
  private async screen(
    record: ImportRecord,
    provenance: ImportProvenance,
    present?: boolean,
  ): Promise<ImportOutcome | Candidate> {
    const screened = screenRecord(record, provenance, this.agencies, this.actor);
    if ('kind' in screened) return screened;
    if (present ?? (await this.store.streamRevision(screened.streamId)) !== undefined)
      return { kind: 'present', complaintId: screened.complaintId };
    return screened;
  }

  /** One case: its tracking number claimed, then the whole case in one append. */
  private async writeOne(c: Candidate): Promise<ImportOutcome> {
    // Checked again: after a batch fell back, its cases may have been created since the check.
    if ((await this.store.streamRevision(c.streamId)) !== undefined)
      return { kind: 'present', complaintId: c.complaintId };
    try {
      const prepared = await prepareComplaintIntake(
        { vault: this.vault, trackingNumbers: this.trackingNumbers },
        c.input,
        c.how,
        c.context,
      );
      await this.handler.handleAll(c.streamId, [prepared.command, ...c.history], {
        ...appendOptions(c),
        expectedRevision: 'no_stream',
      });
      return { kind: 'imported', complaintId: c.complaintId, trackingNumber: prepared.trackingNumber };
    } catch (err) {
      if (err instanceof DomainError) {
        // Another importer (or the LAPOR worker) created it meanwhile.
        if (err.code === 'CONFLICT' || err.code === 'INVALID_TRANSITION') {
          if ((await this.store.streamRevision(c.streamId)) !== undefined)
            return { kind: 'present', complaintId: c.complaintId };
        }
        return { kind: 'refused', reason: err.message };
      }
      throw err;
    }
  }

  /**
   * Many cases in one commit (and their keys in one), where the store and the vault can; else one by
   * one. Each case is sealed with a key made in memory and decided once, on its real intake; a case the
   * decider refuses is dropped with its key before anything is written.
   */
  private async writeMany(candidates: readonly Candidate[]): Promise<ImportOutcome[]> {
    const appendMany = this.store.appendMany?.bind(this.store);
    const keys = this.vault.newSubjects?.();
    if (!appendMany || !keys || candidates.length < 2) return this.oneByOne(candidates);
    const outcomes: ImportOutcome[] = new Array(candidates.length);
    const sealed: { readonly index: number; readonly subjectId: string; readonly intake: SealedIntake }[] =
      [];
    for (const [index, c] of candidates.entries()) {
      const subjectId = randomUUID();
      try {
        const intake = await sealComplaintIntake(
          { vault: keys },
          { ...c.input, subjectId },
          c.how,
          c.context,
          { decidedAfter: true },
        );
        sealed.push({ index, subjectId, intake });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        outcomes[index] = { kind: 'refused', reason: err.message };
      }
    }
    const drawn = new Set<string>();
    const drafts = await this.draw(
      sealed.map((s) => ({ candidate: candidates[s.index]!, year: s.intake.year })),
      drawn,
    );
    type Ready = (typeof sealed)[number] & { draft: Draft; appends: StreamAppend[] };
    const ready: Ready[] = [];
    for (const [k, s] of sealed.entries()) {
      try {
        const appends = caseAppends(candidates[s.index]!, s.intake, drafts[k]!);
        ready.push({ ...s, draft: drafts[k]!, appends });
      } catch (err) {
        if (!(err instanceof DomainError)) throw err;
        outcomes[s.index] = { kind: 'refused', reason: err.message };
      }
    }
    if (ready.length === 0) return outcomes;
    // The keys first: an event never names a key the vault does not hold.
    await keys.commit(ready.map((r) => r.subjectId));
    for (let attempt = 1; ; attempt++) {
      try {
        await appendMany(ready.flatMap((r) => r.appends));
        for (const r of ready)
          outcomes[r.index] = {
            kind: 'imported',
            complaintId: candidates[r.index]!.complaintId,
            trackingNumber: r.draft.trackingNumber,
          };
        return outcomes;
      } catch (err) {
        const taken =
          err instanceof WrongExpectedRevisionError &&
          err.streamId.startsWith(TRACKING_NUMBER_STREAM_PREFIX) &&
          attempt < MAX_BATCH_DRAWS
            ? ready.find((r) => r.draft.claim.streamId === err.streamId)
            : undefined;
        if (taken) {
          const c = candidates[taken.index]!;
          [taken.draft] = (await this.draw([{ candidate: c, year: taken.intake.year }], drawn)) as [Draft];
          // Only the number changed; the decider runs again on it, as it would for any intake.
          taken.appends = caseAppends(c, taken.intake, taken.draft);
          continue;
        }
        // A case created meanwhile by another writer (or a retry the store would not take whole).
        if (err instanceof WrongExpectedRevisionError || err instanceof DuplicateEventIdError) {
          const each = await this.oneByOne(ready.map((r) => candidates[r.index]!));
          for (const [i, r] of ready.entries()) outcomes[r.index] = each[i]!;
          return outcomes;
        }
        throw err;
      }
    }
  }

  /**
   * One tracking number per case, never twice in a batch (a transaction takes each stream once; `drawn`
   * holds the batch's numbers), and none the store already holds: a year's numbers fill up as its cases
   * are imported (at 80,000 of a million, a batch of 500 would meet 40 taken numbers), and each one met
   * only inside the transaction costs a whole retry of the batch. The store is asked about the whole
   * batch's numbers at once, then about the redrawn ones. The transaction's no_stream claims stay the
   * authority (another writer may take a number meanwhile); this only spares the retries.
   */
  private async draw(
    cases: readonly { readonly candidate: Candidate; readonly year: number }[],
    drawn: Set<string>,
  ): Promise<Draft[]> {
    const drafts: Draft[] = new Array(cases.length);
    let pending = cases.map((_, i) => i);
    for (let attempt = 1; pending.length > 0; attempt++) {
      for (const i of pending) {
        const { candidate, year } = cases[i]!;
        let draft: Draft;
        do draft = this.trackingNumbers.draft(candidate.complaintId, year, candidate.context);
        while (drawn.has(draft.trackingNumber));
        drawn.add(draft.trackingNumber);
        drafts[i] = draft;
      }
      if (attempt >= MAX_CASE_DRAWS) break;
      const taken = await this.existing(pending.map((i) => drafts[i]!.claim.streamId));
      pending = pending.filter((i) => taken.has(drafts[i]!.claim.streamId));
    }
    return drafts;
  }

  /** Which of these streams exist: in one read where the store can. */
  private async existing(streamIds: readonly string[]): Promise<Set<string>> {
    if (this.store.streamRevisions) return new Set((await this.store.streamRevisions(streamIds)).keys());
    const found = new Set<string>();
    for (const streamId of streamIds)
      if ((await this.store.streamRevision(streamId)) !== undefined) found.add(streamId);
    return found;
  }

  /**
   * Writes rows prepared elsewhere (prepareCase, on an import's worker thread), one outcome each in order,
   * as importBatch would: a case that exists already is "already present"; the keys of the others are
   * written (`keys`, made with them), then all of them in one append. A case whose drawn number the
   * store holds, one that lost a race inside the transaction, and a row without a prepared case are
   * imported afterwards by importBatch, each whole or not at all.
   */
  async commitPrepared(
    rows: readonly PreparedRow[],
    keys: readonly StoredDataKey[],
    keyWriter: NewSubjectKeysElsewhere,
  ): Promise<ImportOutcome[]> {
    const outcomes: ImportOutcome[] = new Array(rows.length);
    const alone: number[] = [];
    const cases: { readonly index: number; readonly prepared: NonNullable<PreparedRow['prepared']> }[] = [];
    const inBatch = new Set<string>();
    for (const [index, { prepared }] of rows.entries()) {
      // The same reference twice in one batch: the second is judged once the first is written.
      if (prepared && !inBatch.has(prepared.streamId)) {
        inBatch.add(prepared.streamId);
        cases.push({ index, prepared });
      } else alone.push(index);
    }
    const present = await this.existing(cases.map((c) => c.prepared.streamId));
    const absent = cases.filter(({ index, prepared }) => {
      if (!present.has(prepared.streamId)) return true;
      outcomes[index] = { kind: 'present', complaintId: prepared.complaintId };
      return false;
    });
    // Drawn without the store: a number it holds already would refuse the whole transaction.
    const taken = await this.existing(absent.map((c) => c.prepared.claimStreamId));
    let ready = absent.filter(({ index, prepared }) => {
      if (!taken.has(prepared.claimStreamId)) return true;
      alone.push(index);
      return false;
    });
    if (ready.length > 0) {
      // The keys first: an event never names a key the vault does not hold.
      const subjects = new Set(ready.map((c) => c.prepared.subjectId));
      await keyWriter.commit(keys.filter((k) => subjects.has(k.subjectId)));
      const appendMany = this.store.appendMany!.bind(this.store);
      for (let attempt = 1; ready.length > 0; attempt++) {
        try {
          await appendMany(ready.flatMap((c) => c.prepared.appends));
          for (const { index, prepared } of ready)
            outcomes[index] = {
              kind: 'imported',
              complaintId: prepared.complaintId,
              trackingNumber: prepared.trackingNumber,
            };
          break;
        } catch (err) {
          // Another writer claimed a number since it was checked: that case alone draws again.
          const lost =
            err instanceof WrongExpectedRevisionError &&
            err.streamId.startsWith(TRACKING_NUMBER_STREAM_PREFIX) &&
            attempt < MAX_BATCH_DRAWS
              ? ready.find((c) => c.prepared.claimStreamId === err.streamId)
              : undefined;
          if (lost) {
            alone.push(lost.index);
            ready = ready.filter((c) => c !== lost);
            continue;
          }
          // A case created meanwhile by another writer (or a retry the store would not take whole).
          if (err instanceof WrongExpectedRevisionError || err instanceof DuplicateEventIdError) {
            for (const { index } of ready) alone.push(index);
            break;
          }
          throw err;
        }
      }
    }
    // In the file's order, after the batch (a reference given twice in it is then "already present"),
    // as importBatch does on this thread: one more commit for all of them, numbers drawn against the store.
    alone.sort((a, b) => a - b);
    const more = await this.importBatch(alone.map((index) => rows[index]!.original()));
    for (const [i, index] of alone.entries()) outcomes[index] = more[i]!;
    return outcomes;
  }

  private async oneByOne(candidates: readonly Candidate[]): Promise<ImportOutcome[]> {
    const outcomes: ImportOutcome[] = [];
    for (const c of candidates) outcomes.push(await this.writeOne(c));
    return outcomes;
  }
}
