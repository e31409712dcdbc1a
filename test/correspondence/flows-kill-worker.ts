/**
 * A correspondence process the flow crash test can kill for real: it starts the correspondence runtime
 * (projections, numbering, flows) over the SQLite event store and SQLite read models in a data directory,
 * and SIGKILLs itself at the chosen append of a flow effect:
 * - `before`: the flow has read its triggering event and decided, but the effect is not appended;
 * - `after`: the effect's transaction has committed, but the flow's checkpoint has not.
 * Just before dying it says so on stdout (a synchronous write, so the line is not lost to the kill):
 *   {"killing":{"when":"after","streamId":"letter-…","types":["LetterDrafted"],"eventIds":["…"]}}
 * A process that reaches the head of the log without meeting its kill point says {"settled":…} and exits 0.
 *
 *   FLOWS_KILL_TASK='{"dataDir":"…","now":"…","kill":{"eventType":"LetterDrafted","when":"before","nth":1}}' \
 *     node -r @swc-node/register test/correspondence/flows-kill-worker.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { startCorrespondenceRuntime } from '../../services/correspondence/subgraph';
import { FixedClock } from '../../services/shared/clock';
import { loadConfig } from '../../services/shared/config';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { NewEvent } from '../../services/shared/eventstore/types';
import { createLogger } from '../../services/shared/logger';
import { InterceptingEventStore } from './intercepting-store';

export interface KillPoint {
  /** The first event type of the append to die at, e.g. `LetterDrafted`. */
  readonly eventType: string;
  readonly when: 'before' | 'after';
  /** Die at the nth append of that type (1-based), so a later effect of the same event can be the one cut. */
  readonly nth: number;
}

export interface FlowsKillTask {
  readonly dataDir: string;
  /** The runtime's clock. */
  readonly now: string;
  readonly kill?: KillPoint;
}

export interface KillReport {
  readonly when: 'before' | 'after';
  readonly streamId: string;
  readonly types: readonly string[];
  readonly eventIds: readonly (string | undefined)[];
}

const say = (message: unknown) => fs.writeSync(1, `${JSON.stringify(message)}\n`);

function dieHere(when: 'before' | 'after', streamId: string, events: readonly NewEvent[]): never {
  const report: KillReport = {
    when,
    streamId,
    types: events.map((e) => e.type),
    eventIds: events.map((e) => e.id),
  };
  say({ killing: report });
  process.kill(process.pid, 'SIGKILL');
  // SIGKILL cannot be caught; this line only satisfies the type checker.
  throw new Error('still alive after SIGKILL');
}

async function main(): Promise<void> {
  const raw = process.env.FLOWS_KILL_TASK;
  if (!raw) throw new Error('FLOWS_KILL_TASK is not set');
  const task = JSON.parse(raw) as FlowsKillTask;
  const config = loadConfig({ DUMAS_DATA_DIR: task.dataDir });
  const sqlite = new SqliteEventStore({ file: path.join(task.dataDir, 'events.sqlite') });
  let seen = 0;
  const isKillPoint = (events: readonly NewEvent[], when: 'before' | 'after') =>
    task.kill !== undefined && task.kill.when === when && events[0]?.type === task.kill.eventType;
  const store = new InterceptingEventStore(sqlite, {
    before: (streamId, events) => {
      if (!task.kill || events[0]?.type !== task.kill.eventType) return;
      seen++;
      if (seen === task.kill.nth && isKillPoint(events, 'before')) dieHere('before', streamId, events);
    },
    after: (streamId, events) => {
      if (seen === task.kill?.nth && isKillPoint(events, 'after')) dieHere('after', streamId, events);
    },
  });
  const head = await sqlite.headPosition();
  const runtime = await startCorrespondenceRuntime({
    config,
    store,
    clock: new FixedClock(new Date(task.now)),
    logger: createLogger({ name: 'flows-kill-worker', level: 'silent' }),
    correspondence: { reminderTickMs: 0 },
    // Any failure other than the kill ends the child at once (and shows in its exit), not after retries.
    flowRetry: { maxAttempts: 1 },
  });
  try {
    await runtime.flows!.runner.waitFor(head, 10_000);
    say({ settled: { head, positions: runtime.flows!.runner.positions() } });
  } finally {
    await runtime.close();
    await sqlite.close();
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(
      `flows-kill-worker failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  });
}
