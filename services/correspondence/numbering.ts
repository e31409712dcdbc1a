import { setTimeout as sleep } from 'node:timers/promises';
import { CommandHandler, type HandleResult } from '../shared/decider';
import { DomainError, badInput, conflict, invalidTransition } from '../shared/errors';
import {
  type Actor,
  DuplicateEventIdError,
  type EventStore,
  type ExpectedRevision,
  type RecordedEvent,
  WrongExpectedRevisionError,
} from '../shared/eventstore/types';
import {
  type ApprovedLetterState,
  type LetterCommand,
  type LetterEvent,
  type LetterKind,
  type LetterNumber,
  type LetterState,
  letterDecider,
  letterStreamId,
  LETTER_STREAM_PREFIX,
} from './domain/letter';
import { uuidV5 } from '../shared/ids';
import { letterGuard } from './access';
import { DEFAULT_LETTER_NUMBERING, type LetterNumberingConfig } from '../shared/config';

/**
 * Letter numbers (nomor surat): `{seq}` runs per year, is unique, never reused and has no gaps.
 *
 * The design, over the EventStore port only:
 * - One register stream per year, `letterno-{YYYY}`. Reserving a number appends one LetterNumberReserved
 *   with the exact expected revision, so the stream revision IS the sequence (revision 0 is number 1):
 *   two racing reservations cannot both get the same revision, and revisions are dense, so no number is
 *   skipped or handed out twice. Each reservation names its letter.
 * - Approval happens first, on the letter stream (DRAFT → APPROVED freezes the content exactly as the
 *   supervisor saw it; a second approval of the same letter is refused by the letter's state). The number
 *   is then reserved and written onto the letter as LetterNumberAssigned, whose event id is derived from
 *   the reservation (`{register}#{seq}`), so completing a reservation twice appends nothing new.
 * - A reservation is appended only after the previous one (the register's tail) has been completed, by
 *   whoever comes next if its own writer crashed. Hence at any moment only the tail can be pending, every
 *   earlier number is on its letter, and a crash between reserving and assigning is healed by the next
 *   approval (or by `completePending`) instead of leaving a gap. Before reserving, the letter is re-read
 *   after the tail was completed, and the reservation is appended at exactly that tail's revision, so a
 *   letter is never reserved twice even when the same approval is retried concurrently.
 * - A crash between approving and reserving leaves an APPROVED letter without a number, which cannot be
 *   sent; approving it again (or `completePending`) numbers it.
 *
 * Years and months are counted in the configured time zone (WIB, UTC+7, by default): a letter approved
 * at 23:30 WIB on 31 December belongs to that year even though it is already 1 January in some zones.
 */

export { DEFAULT_LETTER_NUMBERING, type LetterNumberingConfig };

// ── the template ───────────────────────────────────────────────────────────────────────────────────

type TemplatePart =
  | { readonly literal: string }
  | { readonly token: 'seq'; readonly width: number }
  | { readonly token: 'unit' | 'classification' | 'MM' | 'M' | 'ROMAN_MONTH' | 'YYYY' | 'YY' };

const TOKEN = /\{([A-Za-z_]+)(?::(\d{1,2}))?\}/g;
const ROMAN = ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII', 'VIII', 'IX', 'X', 'XI', 'XII'];

/** Parses and checks a template; throws BAD_USER_INPUT naming what is wrong. */
export function compileLetterNumberTemplate(template: string): readonly TemplatePart[] {
  const parts: TemplatePart[] = [];
  let last = 0;
  let hasSeq = false;
  let hasYear = false;
  for (const m of template.matchAll(TOKEN)) {
    if (m.index > last) parts.push({ literal: template.slice(last, m.index) });
    last = m.index + m[0].length;
    const [, name, width] = m;
    if (name === 'seq') {
      if (hasSeq) throw badInput('a letter number template has exactly one {seq}', { field: 'template' });
      hasSeq = true;
      parts.push({ token: 'seq', width: width ? Number(width) : 0 });
      continue;
    }
    if (width) throw badInput(`{${name}} takes no width in a letter number template`, { field: 'template' });
    switch (name) {
      case 'unit':
      case 'classification':
      case 'MM':
      case 'M':
      case 'ROMAN_MONTH':
        parts.push({ token: name });
        break;
      case 'YYYY':
      case 'YY':
        hasYear = true;
        parts.push({ token: name });
        break;
      default:
        throw badInput(`unknown placeholder {${name}} in the letter number template`, { field: 'template' });
    }
  }
  if (last < template.length) parts.push({ literal: template.slice(last) });
  if (parts.some((p) => 'literal' in p && /[{}]/.test(p.literal))) {
    throw badInput('unbalanced braces in the letter number template', { field: 'template' });
  }
  // Without the year in the text, {seq} restarting every January would print the same number twice.
  if (!hasSeq || !hasYear) {
    throw badInput('a letter number template needs {seq} and {YYYY} or {YY}', { field: 'template' });
  }
  return parts;
}

/** The calendar year and month (1-12) of an instant in the numbering time zone. */
export function numberingPeriod(instant: string, utcOffsetMinutes: number): { year: number; month: number } {
  const t = Date.parse(instant);
  if (Number.isNaN(t)) throw badInput('not an instant', { field: 'instant' });
  const local = new Date(t + utcOffsetMinutes * 60_000);
  return { year: local.getUTCFullYear(), month: local.getUTCMonth() + 1 };
}

export function formatLetterNumber(
  template: string | readonly TemplatePart[],
  values: { sequence: number; year: number; month: number; unit: string; classification: string },
): string {
  const parts = typeof template === 'string' ? compileLetterNumberTemplate(template) : template;
  return parts.map((p) => renderPart(p, values)).join('');
}

function renderPart(
  p: TemplatePart,
  values: { sequence: number; year: number; month: number; unit: string; classification: string },
): string {
  if ('literal' in p) return p.literal;
  switch (p.token) {
    case 'seq':
      return String(values.sequence).padStart(p.width, '0');
    case 'unit':
      return values.unit;
    case 'classification':
      return values.classification;
    case 'MM':
      return String(values.month).padStart(2, '0');
    case 'M':
      return String(values.month);
    case 'ROMAN_MONTH':
      return ROMAN[values.month - 1]!;
    case 'YYYY':
      return String(values.year);
    case 'YY':
      return String(values.year % 100).padStart(2, '0');
  }
}

// ── the register ───────────────────────────────────────────────────────────────────────────────────

export const LETTER_NUMBER_REGISTER_PREFIX = 'letterno-';
export const letterNumberRegisterId = (year: number) => `${LETTER_NUMBER_REGISTER_PREFIX}${year}`;

/** One entry of the yearly register; its revision + 1 is `sequence`. */
export interface LetterNumberReservedData extends LetterNumber {
  readonly letterId: string;
  readonly kind: LetterKind;
  readonly agencyId?: string;
  readonly month: number;
  /** The approval's instant: a number belongs to the moment of approval, even when a retry reserves it. */
  readonly approvedAt: string;
}
export const LETTER_NUMBER_RESERVED = 'LetterNumberReserved';

/** The reservation's event id: one letter can be reserved once in the whole log. */
export const reservationEventId = (letterId: string) => uuidV5(`letter-number-reservation/${letterId}`);
/** The id of the LetterNumberAssigned event that completes the reservation at `sequence` of `register`. */
export const assignmentEventId = (register: string, sequence: number) =>
  uuidV5(`letter-number-assignment/${register}#${sequence}`);

export interface ApproveLetterInput {
  readonly actor: Actor;
  readonly now: string;
  readonly signatureReference?: string;
  /** The client's view of the letter's revision (GraphQL `expectedVersion`). */
  readonly expectedRevision?: ExpectedRevision;
  readonly correlationId?: string;
}

export interface ApproveLetterResult {
  readonly state: ApprovedLetterState & { readonly number: LetterNumber };
  /** The letter stream's last revision. */
  readonly revision: number;
  /** Global position of the last event this approval appended (for read-your-writes waits). */
  readonly position: number;
}

/** A letter as loaded or as just handled; position 0 when nothing was appended. */
interface LoadedLetter {
  readonly state: LetterState;
  readonly revision: number | undefined;
  readonly position: number;
}

export interface LetterNumberingOptions {
  /** Attempts at reserving before giving up with CONFLICT; each failed attempt means another approval won. */
  readonly maxAttempts?: number;
}

/**
 * `approveLetter` (SUPERVISOR): approves a draft and assigns its number. The GraphQL mutation and the
 * seed call `approve`; startup calls `completePending` once to heal approvals cut short by a crash.
 */
export class LetterNumbering {
  /** The numbering's own steps (reservation, assignment): the system's, unguarded. */
  private readonly letters: CommandHandler<LetterCommand, LetterEvent, LetterState>;
  /** The caller's approval, under the letter access rules (./access.ts). */
  private readonly approvals: CommandHandler<LetterCommand, LetterEvent, LetterState>;
  private readonly template: readonly TemplatePart[];
  private readonly maxAttempts: number;

  constructor(
    private readonly store: EventStore,
    private readonly config: LetterNumberingConfig = DEFAULT_LETTER_NUMBERING,
    options: LetterNumberingOptions = {},
  ) {
    this.letters = new CommandHandler(store, letterDecider);
    this.approvals = new CommandHandler(store, letterDecider, letterGuard);
    this.template = compileLetterNumberTemplate(config.template);
    this.maxAttempts = options.maxAttempts ?? 500;
  }

  async approve(letterId: string, input: ApproveLetterInput): Promise<ApproveLetterResult> {
    const command: LetterCommand = {
      type: 'ApproveLetter',
      data: input.signatureReference ? { signatureReference: input.signatureReference } : {},
      metadata: { now: input.now, actor: input.actor },
    };
    const streamId = letterStreamId(letterId);
    try {
      await this.approvals.handle(streamId, command, {
        ...(input.expectedRevision !== undefined ? { expectedRevision: input.expectedRevision } : {}),
        ...(input.correlationId ? { correlationId: input.correlationId } : {}),
      });
    } catch (err) {
      // The letter is approved already (the guard let the caller through): an approval whose numbering
      // was cut short by a crash is finished by approving again, a numbered one is refused.
      const approvedAlready =
        err instanceof DomainError &&
        err.code === 'INVALID_TRANSITION' &&
        err.details.currentState === 'APPROVED';
      const { state } = approvedAlready ? await this.letters.load(streamId) : { state: undefined };
      if (!(state?.status === 'APPROVED' && !state.number)) throw err;
    }
    return this.assignNumber(letterId, input.correlationId);
  }

  /**
   * Numbers an approved letter (idempotent: a numbered letter is returned as it is). Exposed for recovery
   * and for process managers; callers other than `approve` never choose the number.
   */
  async assignNumber(letterId: string, correlationId?: string): Promise<ApproveLetterResult> {
    const streamId = letterStreamId(letterId);
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      const loaded = await this.letters.load(streamId);
      const letter = loaded.state;
      if (letter.status !== 'APPROVED') {
        throw invalidTransition(letter.status, 'assign a number', { letterId });
      }
      const { year, month } = numberingPeriod(letter.approval.approvedAt, this.config.utcOffsetMinutes);
      const register = letterNumberRegisterId(year);
      const [tail] = await this.store.readStream(register, { direction: 'backwards', maxCount: 1 });
      // The only reservation that may still be pending is the tail: finish it before taking the next one.
      const completed = tail ? await this.complete(tail, correlationId) : undefined;
      const current: LoadedLetter =
        completed?.letterId === letterId
          ? completed.result
          : { ...(await this.letters.load(streamId)), position: 0 };
      if (current.state.status === 'APPROVED' && current.state.number) {
        return this.result(current.state, current.revision, current.position);
      }
      if (current.state.status !== 'APPROVED') {
        // Already numbered and sent on by someone else meanwhile: nothing left to do here.
        throw invalidTransition(current.state.status, 'assign a number', { letterId });
      }

      const sequence = (tail ? tail.revision + 1 : 0) + 1;
      const classification = this.config.classificationByKind?.[letter.kind] ?? this.config.classification;
      const data: LetterNumberReservedData = {
        letterId,
        kind: letter.kind,
        ...(letter.agencyId ? { agencyId: letter.agencyId } : {}),
        number: formatLetterNumber(this.template, {
          sequence,
          year,
          month,
          unit: this.config.unit,
          classification,
        }),
        year,
        month,
        sequence,
        approvedAt: letter.approval.approvedAt,
      };
      const approvedEvent = loaded.events.find((e) => e.type === 'LetterApproved');
      let reserved: number;
      try {
        const appended = await this.store.append(
          register,
          [
            {
              id: reservationEventId(letterId),
              type: LETTER_NUMBER_RESERVED,
              data,
              metadata: {
                actor: approvedEvent?.metadata.actor ?? {
                  id: letter.approval.approvedBy,
                  role: 'SUPERVISOR',
                },
                occurredAt: letter.approval.approvedAt,
                ...(correlationId ? { correlationId } : {}),
                ...(approvedEvent ? { causationId: approvedEvent.id } : {}),
              },
            },
          ],
          { expectedRevision: tail ? tail.revision : 'no_stream' },
        );
        reserved = appended.nextExpectedRevision;
      } catch (err) {
        // Another approval took this sequence (or this letter's reservation is the new tail): go round.
        if (err instanceof WrongExpectedRevisionError || err instanceof DuplicateEventIdError) {
          if (attempt > 3) await sleep(Math.floor(Math.random() * Math.min(attempt, 20)));
          continue;
        }
        throw err;
      }
      // Read back what the register holds (an idempotent retry returns the stored reservation's revision).
      const [reservation] = await this.store.readStream(register, { fromRevision: reserved, maxCount: 1 });
      if (!reservation) throw new Error(`${register} lost revision ${reserved} just appended`);
      const done = await this.complete(reservation, correlationId);
      return this.result(done.result.state, done.result.revision, done.result.position);
    }
    throw conflict(`letter ${letterId} could not be numbered: too many concurrent approvals; try again`, {
      letterId,
    });
  }

  /**
   * Heals what a crash may have left: the pending tail of each year's register, and every letter approved
   * but never reserved. Scans the log's LetterApproved and LetterNumberAssigned events from `fromPosition`
   * (run it once at startup); returns the ids of the letters it numbered.
   */
  async completePending(fromPosition = 0): Promise<string[]> {
    const approved = new Map<string, string>();
    const numbered = new Set<string>();
    let position = fromPosition;
    for (;;) {
      const page = await this.store.readAll({
        fromPosition: position,
        maxCount: 1000,
        filter: {
          streamPrefixes: [LETTER_STREAM_PREFIX],
          eventTypes: ['LetterApproved', 'LetterNumberAssigned'],
        },
      });
      for (const e of page) {
        const letterId = (e.data as { letterId: string }).letterId;
        if (e.type === 'LetterApproved')
          approved.set(letterId, (e.data as { approvedAt: string }).approvedAt);
        else numbered.add(letterId);
      }
      if (page.length < 1000) break;
      position = page[page.length - 1]!.position;
    }
    const healed: string[] = [];
    const years = new Set(
      [...approved.values()].map((at) => numberingPeriod(at, this.config.utcOffsetMinutes).year),
    );
    for (const year of years) {
      const [tail] = await this.store.readStream(letterNumberRegisterId(year), {
        direction: 'backwards',
        maxCount: 1,
      });
      if (!tail) continue;
      const done = await this.complete(tail);
      numbered.add(done.letterId);
      if (done.result.position > 0) healed.push(done.letterId);
    }
    for (const letterId of approved.keys()) {
      if (numbered.has(letterId)) continue;
      const { state } = await this.letters.load(letterStreamId(letterId));
      if (state.status === 'APPROVED' && !state.number) {
        await this.assignNumber(letterId);
        healed.push(letterId);
      }
    }
    return healed;
  }

  /** Writes a reservation's number onto its letter; appends nothing when it is already there. */
  private async complete(
    reservation: RecordedEvent,
    correlationId?: string,
  ): Promise<{ letterId: string; result: LoadedLetter }> {
    if (reservation.type !== LETTER_NUMBER_RESERVED) {
      throw new Error(`${reservation.streamId} holds an unexpected ${reservation.type} event`);
    }
    const r = reservation.data as LetterNumberReservedData;
    const streamId = letterStreamId(r.letterId);
    const command: LetterCommand = {
      type: 'AssignLetterNumber',
      data: { number: r.number, year: r.year, sequence: r.sequence, register: reservation.streamId },
      metadata: {
        now: r.approvedAt,
        actor: reservation.metadata.actor ?? { id: 'letter-numbering', role: 'SYSTEM' },
      },
    };
    try {
      const handled: HandleResult<LetterState, LetterEvent> = await this.letters.handle(streamId, command, {
        eventIds: () => assignmentEventId(reservation.streamId, r.sequence),
        causationId: reservation.id,
        ...(correlationId ? { correlationId } : {}),
      });
      return { letterId: r.letterId, result: handled };
    } catch (err) {
      // A concurrent helper appended the very same assignment: the number is on the letter.
      if (!(err instanceof DuplicateEventIdError)) throw err;
      const reloaded = await this.letters.load(streamId);
      return { letterId: r.letterId, result: { ...reloaded, position: 0 } };
    }
  }

  private result(state: LetterState, revision: number | undefined, position: number): ApproveLetterResult {
    if (state.status !== 'APPROVED' || !state.number) {
      throw new DomainError('INVALID_TRANSITION', `letter is ${state.status}, not a numbered approval`);
    }
    return { state: state as ApproveLetterResult['state'], revision: revision ?? -1, position };
  }
}
