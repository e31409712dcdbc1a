import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  type LetterCommand,
  type LetterEvent,
  type LetterState,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain/letter';
import {
  DEFAULT_LETTER_NUMBERING,
  LETTER_NUMBER_RESERVED,
  LetterNumbering,
  type LetterNumberReservedData,
  compileLetterNumberTemplate,
  formatLetterNumber,
  letterNumberRegisterId,
  numberingPeriod,
} from '../../services/correspondence/numbering';
import { CommandHandler } from '../../services/shared/decider';
import { DomainError } from '../../services/shared/errors';
import { MemoryEventStore } from '../../services/shared/eventstore/memory';
import { PostgresEventStore } from '../../services/shared/eventstore/postgres';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import {
  type Actor,
  type EventStore,
  WrongExpectedRevisionError,
} from '../../services/shared/eventstore/types';
import { createTestDatabase, requirePostgres } from '../support/postgres';
import { InterceptingEventStore } from './intercepting-store';

const officer: Actor = { id: 'officer-1', role: 'OFFICER' };
const supervisor: Actor = { id: 'supervisor-1', role: 'SUPERVISOR' };
const DRAFTED_AT = '2026-03-02T01:00:00.000Z';
const APPROVED_AT = '2026-03-02T03:00:00.000Z';

describe('letter number template', () => {
  const values = { sequence: 7, year: 2026, month: 3, unit: 'Kemensetneg/D-4', classification: 'PM.00.01' };

  it('formats the default template', () => {
    expect(formatLetterNumber(DEFAULT_LETTER_NUMBERING.template, values)).toBe(
      'B-7/Kemensetneg/D-4/PM.00.01/03/2026',
    );
  });

  it('pads {seq:N}, writes Roman months and two-digit years', () => {
    expect(formatLetterNumber('{seq:4}/{unit}/{ROMAN_MONTH}/{YY}', { ...values, month: 11 })).toBe(
      '0007/Kemensetneg/D-4/XI/26',
    );
    expect(formatLetterNumber('B-{seq}/{M}/{YYYY}', values)).toBe('B-7/3/2026');
  });

  it.each([
    ['no {seq}', 'B/{unit}/{YYYY}'],
    ['no year', 'B-{seq}/{unit}'],
    ['two {seq}', '{seq}-{seq}/{YYYY}'],
    ['an unknown placeholder', 'B-{seq}/{dept}/{YYYY}'],
    ['a width on a non-sequence', 'B-{seq}/{MM:2}/{YYYY}'],
    ['an unbalanced brace', 'B-{seq}/{YYYY'],
  ])('refuses a template with %s', (_what, template) => {
    expect(() => compileLetterNumberTemplate(template)).toThrow(DomainError);
  });

  it('counts years and months in WIB by default', () => {
    expect(numberingPeriod('2025-12-31T16:59:59Z', 420)).toEqual({ year: 2025, month: 12 });
    expect(numberingPeriod('2025-12-31T17:00:00Z', 420)).toEqual({ year: 2026, month: 1 });
    expect(numberingPeriod('2025-12-31T17:00:00Z', 0)).toEqual({ year: 2025, month: 12 });
  });
});

// ── the numbering service on each store ────────────────────────────────────────────────────────────

interface OpenedStore {
  readonly store: EventStore;
  /** Another connection to the same store (another process, as far as the database can tell). */
  another(): Promise<EventStore>;
  close(): Promise<void>;
}

async function openMemory(): Promise<OpenedStore> {
  const store = new MemoryEventStore();
  return { store, another: async () => store, close: () => store.close() };
}

async function openSqlite(): Promise<OpenedStore> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-numbering-'));
  const file = path.join(dir, 'events.sqlite');
  const opened: EventStore[] = [new SqliteEventStore({ file })];
  return {
    store: opened[0]!,
    another: async () => {
      const s = new SqliteEventStore({ file });
      opened.push(s);
      return s;
    },
    close: async () => {
      for (const s of opened) await s.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function openPostgres(): Promise<OpenedStore> {
  const database = await createTestDatabase('letter_numbering');
  const opened: EventStore[] = [await PostgresEventStore.connect({ url: database.url, maxConnections: 4 })];
  return {
    store: opened[0]!,
    another: async () => {
      const s = await PostgresEventStore.connect({ url: database.url, maxConnections: 4 });
      opened.push(s);
      return s;
    },
    close: async () => {
      for (const s of opened) await s.close();
      await database.drop();
    },
  };
}

const storeKinds: [string, () => Promise<OpenedStore>][] = [
  ['memory', openMemory],
  ['SQLite', openSqlite],
];
if (requirePostgres('letter numbering on PostgreSQL')) storeKinds.push(['PostgreSQL', openPostgres]);

async function draft(store: EventStore, letterId: string, now = DRAFTED_AT): Promise<void> {
  const command: LetterCommand = {
    type: 'DraftLetter',
    data: {
      letterId,
      kind: 'FOLLOW_UP_REQUEST',
      agencyId: 'inspektorat-bantul',
      complaintIds: [`complaint-${letterId}`],
      subject: 'Permintaan tindak lanjut pengaduan',
      body: 'Dengan hormat, ...',
    },
    metadata: { now, actor: officer },
  };
  await new CommandHandler(store, letterDecider).handle(letterStreamId(letterId), command);
}

async function letterState(store: EventStore, letterId: string): Promise<LetterState> {
  const events = await store.readStream(letterStreamId(letterId));
  return events.reduce(
    (s, e) => letterDecider.evolve(s, { type: e.type, data: e.data } as LetterEvent),
    letterDecider.initialState(),
  );
}

/**
 * The invariant: the year's register holds sequence 1..n at revisions 0..n-1, each naming a distinct
 * letter, and each of those letters carries exactly that number. Returns letterId → sequence.
 */
async function expectDenseRegister(store: EventStore, year: number, letterIds: readonly string[]) {
  const register = await store.readStream(letterNumberRegisterId(year));
  expect(register).toHaveLength(letterIds.length);
  const byLetter = new Map<string, number>();
  for (const [i, e] of register.entries()) {
    const r = e.data as LetterNumberReservedData;
    expect(e.type).toBe(LETTER_NUMBER_RESERVED);
    expect(e.revision).toBe(i);
    expect(r.sequence).toBe(i + 1);
    expect(byLetter.has(r.letterId)).toBe(false);
    byLetter.set(r.letterId, r.sequence);
    const state = await letterState(store, r.letterId);
    expect(state.status === 'APPROVED' && state.number).toEqual({
      number: r.number,
      year,
      sequence: r.sequence,
    });
    const assigned = (await store.readStream(letterStreamId(r.letterId))).filter(
      (x) => x.type === 'LetterNumberAssigned',
    );
    expect(assigned).toHaveLength(1);
  }
  expect([...byLetter.keys()].sort()).toEqual([...letterIds].sort());
  return byLetter;
}

describe.each(storeKinds)('LetterNumbering on %s', (_kind, open) => {
  let opened: OpenedStore;
  beforeEach(async () => {
    opened = await open();
  });
  afterEach(async () => {
    await opened.close();
  });

  it('numbers approvals 1, 2, 3 in the year, formatted by the template', async () => {
    const { store } = opened;
    const numbering = new LetterNumbering(store);
    for (const id of ['a', 'b', 'c']) await draft(store, id);
    const results = [];
    for (const id of ['a', 'b', 'c'])
      results.push(await numbering.approve(id, { actor: supervisor, now: APPROVED_AT }));
    expect(results.map((r) => r.state.number.number)).toEqual([
      'B-1/Kemensetneg/D-4/PM.00.01/03/2026',
      'B-2/Kemensetneg/D-4/PM.00.01/03/2026',
      'B-3/Kemensetneg/D-4/PM.00.01/03/2026',
    ]);
    expect(results[0]!.revision).toBe(2); // drafted, approved, numbered
    expect(results[0]!.position).toBeGreaterThan(0);
    await expectDenseRegister(store, 2026, ['a', 'b', 'c']);
  });

  it('refuses a second approval, an officer approving, and a missing letter, reserving nothing', async () => {
    const { store } = opened;
    const numbering = new LetterNumbering(store);
    await draft(store, 'a');
    await numbering.approve('a', { actor: supervisor, now: APPROVED_AT });
    await expect(numbering.approve('a', { actor: supervisor, now: APPROVED_AT })).rejects.toMatchObject({
      code: 'INVALID_TRANSITION',
    });
    await draft(store, 'b');
    await expect(numbering.approve('b', { actor: officer, now: APPROVED_AT })).rejects.toMatchObject({
      code: 'FORBIDDEN',
    });
    // The access seam's guard answers an absent letter as the API always did: NOT_FOUND.
    await expect(numbering.approve('nope', { actor: supervisor, now: APPROVED_AT })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expectDenseRegister(store, 2026, ['a']);
  });

  it('gives 40 racing approvals from 4 connections the numbers 1..40, each once', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `race-${i}`);
    await Promise.all(ids.map((id) => draft(opened.store, id)));
    let lostRaces = 0;
    const services = await Promise.all(
      [0, 1, 2, 3].map(async (i) => {
        const connection = i === 0 ? opened.store : await opened.another();
        const counting = new InterceptingEventStore(connection, {
          refused: (stream, err) => {
            if (stream === letterNumberRegisterId(2026) && err instanceof WrongExpectedRevisionError)
              lostRaces++;
          },
        });
        return new LetterNumbering(counting);
      }),
    );
    const started = Date.now();
    const results = await Promise.all(
      ids.map((id, i) => services[i % services.length]!.approve(id, { actor: supervisor, now: APPROVED_AT })),
    );
    const elapsed = Date.now() - started;
    expect(results.map((r) => r.state.number.sequence).sort((a, b) => a - b)).toEqual(
      ids.map((_, i) => i + 1),
    );
    await expectDenseRegister(opened.store, 2026, ids);
    // The approvals really did collide on the register, and lost races were retried, not dropped.
    expect(lostRaces).toBeGreaterThan(0);
    process.stdout.write(
      `  ${_kind}: 40 racing approvals numbered in ${elapsed} ms, ${lostRaces} lost races retried\n`,
    );
  });

  it('reserves one number when the same letter is approved by several racers', async () => {
    await draft(opened.store, 'same');
    const services = await Promise.all(
      [0, 1, 2, 3, 4, 5].map(async (i) => new LetterNumbering(i % 2 ? opened.store : await opened.another())),
    );
    const outcomes = await Promise.allSettled(
      services.map((s) => s.approve('same', { actor: supervisor, now: APPROVED_AT })),
    );
    const fulfilled = outcomes.filter((o) => o.status === 'fulfilled');
    expect(fulfilled.length).toBeGreaterThanOrEqual(1);
    for (const o of fulfilled) expect(o.value.state.number.sequence).toBe(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect((o.reason as DomainError).code).toBe('INVALID_TRANSITION');
    }
    await expectDenseRegister(opened.store, 2026, ['same']);
  });

  it('heals a crash between reserving and numbering at the next approval, leaving no gap', async () => {
    const { store } = opened;
    for (const id of ['crashed', 'next']) await draft(store, id);
    const crashing = new InterceptingEventStore(store, {
      after: (_stream, events) => {
        if (events.some((e) => e.type === LETTER_NUMBER_RESERVED)) throw new Error('process died');
      },
    });
    await expect(
      new LetterNumbering(crashing).approve('crashed', { actor: supervisor, now: APPROVED_AT }),
    ).rejects.toThrow('process died');
    const half = await letterState(store, 'crashed');
    expect(half.status === 'APPROVED' && half.number).toBeUndefined();
    expect(await store.streamRevision(letterNumberRegisterId(2026))).toBe(0);

    // After the restart another letter is approved: the pending reservation is completed first.
    const next = await new LetterNumbering(store).approve('next', { actor: supervisor, now: APPROVED_AT });
    expect(next.state.number.sequence).toBe(2);
    const numbers = await expectDenseRegister(store, 2026, ['crashed', 'next']);
    expect(numbers.get('crashed')).toBe(1);
  });

  it('completes a crashed approval when the supervisor approves again', async () => {
    const { store } = opened;
    await draft(store, 'crashed');
    const crashing = new InterceptingEventStore(store, {
      after: (_stream, events) => {
        if (events.some((e) => e.type === LETTER_NUMBER_RESERVED)) throw new Error('process died');
      },
    });
    await expect(
      new LetterNumbering(crashing).approve('crashed', { actor: supervisor, now: APPROVED_AT }),
    ).rejects.toThrow();
    const retried = await new LetterNumbering(store).approve('crashed', {
      actor: supervisor,
      now: APPROVED_AT,
    });
    expect(retried.state.number.sequence).toBe(1);
    await expectDenseRegister(store, 2026, ['crashed']);
  });

  it('numbers a letter approved just before a crash, at startup', async () => {
    const { store } = opened;
    for (const id of ['approved-only', 'numbered']) await draft(store, id);
    await new LetterNumbering(store).approve('numbered', { actor: supervisor, now: APPROVED_AT });
    const crashing = new InterceptingEventStore(store, {
      before: (stream) => {
        if (stream.startsWith('letterno-')) throw new Error('process died');
      },
    });
    await expect(
      new LetterNumbering(crashing).approve('approved-only', { actor: supervisor, now: APPROVED_AT }),
    ).rejects.toThrow('process died');
    const unnumbered = await letterState(store, 'approved-only');
    expect(unnumbered.status).toBe('APPROVED');

    const restarted = new LetterNumbering(store);
    expect(await restarted.completePending()).toEqual(['approved-only']);
    expect(await restarted.completePending()).toEqual([]);
    await expectDenseRegister(store, 2026, ['numbered', 'approved-only']);
  });

  it('runs {seq} per year in the WIB calendar', async () => {
    const { store } = opened;
    for (const id of ['old-year', 'new-year', 'new-year-2']) await draft(store, id, '2025-12-30T01:00:00Z');
    const numbering = new LetterNumbering(store);
    const late = await numbering.approve('old-year', { actor: supervisor, now: '2025-12-31T16:30:00Z' });
    const early = await numbering.approve('new-year', { actor: supervisor, now: '2025-12-31T17:30:00Z' });
    const second = await numbering.approve('new-year-2', { actor: supervisor, now: '2026-01-02T02:00:00Z' });
    expect(late.state.number.number).toBe('B-1/Kemensetneg/D-4/PM.00.01/12/2025');
    expect(early.state.number.number).toBe('B-1/Kemensetneg/D-4/PM.00.01/01/2026');
    expect(second.state.number.number).toBe('B-2/Kemensetneg/D-4/PM.00.01/01/2026');
    await expectDenseRegister(store, 2025, ['old-year']);
    await expectDenseRegister(store, 2026, ['new-year', 'new-year-2']);
  });
});

// ── several OS processes on one SQLite file ────────────────────────────────────────────────────────

const repoRoot = path.resolve(__dirname, '../..');
const workerEntry = path.join(__dirname, 'approval-worker.ts');

function runWorker(
  task: Record<string, unknown>,
): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', workerEntry], {
      cwd: repoRoot,
      env: { ...process.env, APPROVAL_WORKER_TASK: JSON.stringify(task) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('LetterNumbering across processes on one SQLite file', () => {
  let dir: string;
  let file: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-numbering-mp-'));
    file = path.join(dir, 'events.sqlite');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('gives three racing processes dense numbers, and heals a process killed after reserving', async () => {
    const store = new SqliteEventStore({ file });
    const ids = Array.from({ length: 36 }, (_, i) => `mp-${i}`);
    for (const id of [...ids, 'killed']) await draft(store, id);

    const base = { file, actor: supervisor, now: APPROVED_AT };
    const runs = await Promise.all([
      runWorker({ ...base, letterIds: ids.filter((_, i) => i % 3 === 0) }),
      runWorker({ ...base, letterIds: ids.filter((_, i) => i % 3 === 1) }),
      runWorker({ ...base, letterIds: ids.filter((_, i) => i % 3 === 2) }),
    ]);
    for (const r of runs) expect(r).toMatchObject({ code: 0 });
    await expectDenseRegister(store, 2026, ids);

    const killed = await runWorker({ ...base, letterIds: ['killed'], dieAfterReserving: true });
    expect(killed.signal).toBe('SIGKILL');
    const half = await letterState(store, 'killed');
    expect(half.status === 'APPROVED' && half.number).toBeUndefined();
    expect(await store.streamRevision(letterNumberRegisterId(2026))).toBe(36);

    expect(await new LetterNumbering(store).completePending()).toEqual(['killed']);
    const numbers = await expectDenseRegister(store, 2026, [...ids, 'killed']);
    expect(numbers.get('killed')).toBe(37);
    await store.close();
  });
});
