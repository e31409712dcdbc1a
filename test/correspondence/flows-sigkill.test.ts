/**
 * The flows between subgraphs survive a real SIGKILL at their worst moments. A child OS process runs the
 * correspondence runtime over SQLite files and kills itself (flows-kill-worker.ts) either after a flow read
 * its triggering event but before the effect was appended, or after the effect committed but before the
 * flow's checkpoint did. A runtime started afterwards over the same files finishes the work; the log then
 * holds every event it held before the kill, plus each expected effect exactly once, and every stream's
 * hash chain verifies. (flows.test.ts covers the same points in-process with a failing store.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { type ComplaintCommand, complaintDecider, complaintStreamId } from '../../services/complaint/domain';
import {
  agencyDecider,
  agencyStreamId,
  type LetterCommand,
  letterDecider,
  letterStreamId,
} from '../../services/correspondence/domain';
import { followUpLetterId } from '../../services/correspondence/flows';
import {
  type CorrespondenceRuntime,
  startCorrespondenceRuntime,
} from '../../services/correspondence/subgraph';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { CommandHandler } from '../../services/shared/decider';
import { verifyStream } from '../../services/shared/eventstore/hash';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { Actor, RecordedEvent } from '../../services/shared/eventstore/types';
import { createLogger } from '../../services/shared/logger';
import { SqliteReadModelStore } from '../../services/shared/projections/sqlite-read-model';
import { at, bantulPic, intake, officer, supervisor } from '../complaint/fixtures';
import type { FlowsKillTask, KillPoint, KillReport } from './flows-kill-worker';

const repoRoot = path.resolve(__dirname, '../..');
const workerEntry = path.join(__dirname, 'flows-kill-worker.ts');
const logger = createLogger({ name: 'flows-sigkill-test', level: 'silent' });
const NOW = '2026-01-05T02:00:00.000Z';
const COMPLAINT = intake.complaintId;
const AGENCIES = ['inspektorat-bantul', 'inspektorat-sleman'] as const;
const BANTUL_LETTER = followUpLetterId(COMPLAINT, 'inspektorat-bantul/1');
const SLEMAN_LETTER = followUpLetterId(COMPLAINT, 'inspektorat-sleman/1');

let dir: string;
let store: SqliteEventStore;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'dumas-flows-sigkill-'));
  store = new SqliteEventStore({ file: path.join(dir, 'events.sqlite') });
});

afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

interface ChildOutcome {
  readonly exit: NodeJS.Signals | number | null;
  readonly killing: KillReport | undefined;
  readonly stderr: string;
}

/** Runs the correspondence flows in a child process until it kills itself (or settles, if it never meets the kill point). */
function runChildUntilDeath(kill: KillPoint): Promise<ChildOutcome> {
  const task: FlowsKillTask = { dataDir: dir, now: NOW, kill };
  const child: ChildProcess = spawn(process.execPath, ['-r', '@swc-node/register', workerEntry], {
    cwd: repoRoot,
    env: { ...process.env, FLOWS_KILL_TASK: JSON.stringify(task) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  let killing: KillReport | undefined;
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as { killing?: KillReport };
    if (message.killing) killing = message.killing;
  });
  // Only a safety net for a child that never meets its kill point: generous, since a loaded machine
  // (a full test run on 2 cores) can take well over 12 s to compile and start the child.
  const timer = setTimeout(() => child.kill('SIGTERM'), 45_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    // 'close' (not 'exit'): stdout is drained, so a kill report written before dying has been read.
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exit: signal ?? code, killing, stderr });
    });
  });
}

function openRuntime(): Promise<CorrespondenceRuntime> {
  return startCorrespondenceRuntime({
    config: loadConfig({ DUMAS_DATA_DIR: dir }),
    store,
    clock: new FixedClock(new Date(NOW)),
    logger,
    correspondence: { reminderTickMs: 0 },
    flowRetry: { maxAttempts: 1 },
  });
}

async function settle(rt: CorrespondenceRuntime): Promise<void> {
  await rt.flows!.runner.waitFor(await store.headPosition());
  await rt.projections.waitFor(await store.headPosition());
}

/** Where a flow's checkpoint stands in the read-model file the child left behind. */
async function flowCheckpoint(flow: string): Promise<number> {
  const readModels = new SqliteReadModelStore({
    file: path.join(dir, 'readmodels', 'correspondence.sqlite'),
  });
  try {
    return (await readModels.checkpoint(flow)).position;
  } finally {
    await readModels.close();
  }
}

async function createAgencies(): Promise<void> {
  const agencies = new CommandHandler(store, agencyDecider);
  for (const id of AGENCIES) {
    await agencies.handle(agencyStreamId(id), {
      type: 'CreateAgency',
      data: {
        agencyId: id,
        name: id,
        kind: 'REGENCY',
        region: 'DIY',
        contact: { emails: [`${id}@example.go.id`] },
      },
      metadata: { now: NOW, actor: { id: 'admin', role: 'ADMIN' } },
    });
  }
}

/** Receives, verifies and forwards the complaint to both agencies through the complaint decider. */
async function forwardComplaint(): Promise<RecordedEvent> {
  const complaints = new CommandHandler(store, complaintDecider);
  const streamId = complaintStreamId(COMPLAINT);
  const run = (command: ComplaintCommand) => complaints.handle(streamId, command, { caseId: COMPLAINT });
  const by = (now: string, actor: Actor = officer) => ({ now, actor });
  await run({
    type: 'ReceiveComplaint',
    data: { ...intake, channel: 'LETTER', channelReference: 'B-12/ND/2026' },
    metadata: by(at(0)),
  });
  await run({ type: 'VerifyComplaint', data: {}, metadata: by(at(2)) });
  const { events } = await run({
    type: 'ForwardComplaint',
    data: { agencyIds: [...AGENCIES] },
    metadata: by(at(3)),
  });
  const recorded = (await store.readStream(streamId)).filter((e) => e.type === 'ComplaintForwarded');
  expect(events.map((e) => e.type)).toEqual(['ComplaintForwarded']);
  expect(recorded).toHaveLength(1);
  return recorded[0]!;
}

const identity = (e: RecordedEvent) => ({
  id: e.id,
  streamId: e.streamId,
  revision: e.revision,
  position: e.position,
  hash: e.hash,
});

/** Every event the log held before the kill is still there, unchanged, and what follows it is `effects`. */
async function expectLogExtendedBy(before: readonly RecordedEvent[]): Promise<RecordedEvent[]> {
  const now = await store.readAll();
  expect(now.slice(0, before.length).map(identity)).toEqual(before.map(identity));
  return now.slice(before.length);
}

async function expectEveryChainVerifies(): Promise<void> {
  const streams = [...new Set((await store.readAll()).map((e) => e.streamId))];
  const results = await Promise.all(streams.map((s) => verifyStream(store, s)));
  expect(results.filter((r) => !r.ok)).toEqual([]);
}

describe('given a complaint forwarded to two agencies and a correspondence process that dies', () => {
  it.each<[string, KillPoint]>([
    ['before the first draft is appended', { eventType: 'LetterDrafted', when: 'before', nth: 1 }],
    ['after the first draft committed', { eventType: 'LetterDrafted', when: 'after', nth: 1 }],
    [
      'after both drafts committed, before the checkpoint',
      { eventType: 'LetterDrafted', when: 'after', nth: 2 },
    ],
  ])('by SIGKILL %s, a restart drafts exactly one follow-up request per forwarding', async (_, kill) => {
    await createAgencies();
    const forwarded = await forwardComplaint();
    const beforeKill = await store.readAll();

    const child = await runChildUntilDeath(kill);
    // On failure the diff shows the child's stderr along with how it ended.
    expect(child).toMatchObject({ exit: 'SIGKILL' });
    expect(child.killing).toMatchObject({ when: kill.when, types: ['LetterDrafted'] });

    // The kill landed where it was aimed: the effects committed so far are in the log, the rest are not,
    // and the flow never checkpointed past the forwarding.
    const committed = kill.when === 'before' ? kill.nth - 1 : kill.nth;
    const leftByChild = await expectLogExtendedBy(beforeKill);
    expect(leftByChild.map((e) => e.type)).toEqual(Array(committed).fill('LetterDrafted'));
    if (kill.when === 'after') expect(leftByChild.at(-1)!.id).toBe(child.killing!.eventIds[0]);
    else expect(await store.readStream(child.killing!.streamId)).toEqual([]);
    expect(await flowCheckpoint('flow.follow_up_drafts')).toBeLessThan(forwarded.position);

    const restarted = await openRuntime();
    try {
      await settle(restarted);
    } finally {
      await restarted.close();
    }

    const effects = await expectLogExtendedBy(beforeKill);
    expect(effects.map((e) => e.type)).toEqual(['LetterDrafted', 'LetterDrafted']);
    expect(effects.map((e) => e.streamId).sort()).toEqual(
      [letterStreamId(BANTUL_LETTER), letterStreamId(SLEMAN_LETTER)].sort(),
    );
    for (const draft of effects) {
      expect(draft.metadata).toMatchObject({ causationId: forwarded.id, caseId: COMPLAINT });
      expect(draft.data).toMatchObject({ kind: 'FOLLOW_UP_REQUEST', complaintIds: [COMPLAINT] });
    }
    expect(effects.map((e) => (e.data as { agencyId: string }).agencyId).sort()).toEqual([...AGENCIES]);
    expect(await flowCheckpoint('flow.follow_up_drafts')).toBeGreaterThanOrEqual(forwarded.position);
    await expectEveryChainVerifies();
  });
});

describe("given a follow-up request sent to Bantul and acknowledged by Bantul's PIC", () => {
  it.each<[string, KillPoint]>([
    [
      'before the acknowledgement is appended',
      { eventType: 'ComplaintAcknowledged', when: 'before', nth: 1 },
    ],
    [
      'after the acknowledgement committed, before the checkpoint',
      { eventType: 'ComplaintAcknowledged', when: 'after', nth: 1 },
    ],
  ])(
    'a correspondence process killed %s acknowledges the complaint exactly once after restart',
    async (_, kill) => {
      const setup = await openRuntime();
      try {
        await createAgencies();
        await forwardComplaint();
        await settle(setup);
        await setup.numbering.approve(BANTUL_LETTER, { actor: supervisor, now: NOW });
        await new CommandHandler(store, letterDecider).handle(letterStreamId(BANTUL_LETTER), {
          type: 'SendLetter',
          data: { channel: 'POST' },
          metadata: { now: NOW, actor: officer },
        } satisfies LetterCommand);
        await settle(setup);
      } finally {
        await setup.close();
      }
      await new CommandHandler(store, letterDecider).handle(letterStreamId(BANTUL_LETTER), {
        type: 'AcknowledgeLetter',
        data: {},
        metadata: { now: NOW, actor: bantulPic },
      } satisfies LetterCommand);
      const beforeKill = await store.readAll();
      const acknowledgement = beforeKill.at(-1)!;
      expect(acknowledgement.type).toBe('LetterAcknowledged');

      const child = await runChildUntilDeath(kill);
      // On failure the diff shows the child's stderr along with how it ended.
      expect(child).toMatchObject({ exit: 'SIGKILL' });
      expect(child.killing).toMatchObject({
        when: kill.when,
        streamId: complaintStreamId(COMPLAINT),
        types: ['ComplaintAcknowledged'],
      });
      const leftByChild = await expectLogExtendedBy(beforeKill);
      expect(leftByChild.map((e) => e.type)).toEqual(kill.when === 'after' ? ['ComplaintAcknowledged'] : []);
      if (kill.when === 'after') expect(leftByChild[0]!.id).toBe(child.killing!.eventIds[0]);
      expect(await flowCheckpoint('flow.letter_acknowledgements')).toBeLessThan(acknowledgement.position);

      const restarted = await openRuntime();
      try {
        await settle(restarted);
      } finally {
        await restarted.close();
      }

      const effects = await expectLogExtendedBy(beforeKill);
      expect(effects).toHaveLength(1);
      expect(effects[0]).toMatchObject({
        type: 'ComplaintAcknowledged',
        streamId: complaintStreamId(COMPLAINT),
        data: { agencyId: 'inspektorat-bantul', forwardingId: 'inspektorat-bantul/1', by: bantulPic.id },
        metadata: { actor: bantulPic, caseId: COMPLAINT, causationId: acknowledgement.id },
      });
      expect(await flowCheckpoint('flow.letter_acknowledgements')).toBeGreaterThanOrEqual(
        acknowledgement.position,
      );
      await expectEveryChainVerifies();
    },
  );
});
