/**
 * A separate OS process that approves letters through LetterNumbering against a shared SQLite file, so
 * the numbering tests can race several processes and kill one at the worst moment.
 *
 *   APPROVAL_WORKER_TASK='{"file":"...","letterIds":[...],"actor":{...},"now":"...","dieAfterReserving":false}' \
 *     node -r @swc-node/register test/correspondence/approval-worker.ts
 *
 * Prints {"approved":{letterId,sequence}} per letter and {"done":true} at the end. With
 * `dieAfterReserving`, the process SIGKILLs itself right after its first reservation is committed and
 * before the number is written onto the letter: the crash the numbering design has to heal.
 */
import { LETTER_NUMBER_RESERVED, LetterNumbering } from '../../services/correspondence/numbering';
import { SqliteEventStore } from '../../services/shared/eventstore/sqlite';
import type { Actor, EventStore } from '../../services/shared/eventstore/types';
import { InterceptingEventStore } from './intercepting-store';

interface ApprovalTask {
  readonly file: string;
  readonly letterIds: readonly string[];
  readonly actor: Actor;
  readonly now: string;
  readonly dieAfterReserving?: boolean;
}

async function main(): Promise<void> {
  const task = JSON.parse(process.env.APPROVAL_WORKER_TASK ?? '') as ApprovalTask;
  const sqlite = new SqliteEventStore({ file: task.file });
  const store: EventStore = task.dieAfterReserving
    ? new InterceptingEventStore(sqlite, {
        after: (_stream, events) => {
          if (events.some((e) => e.type === LETTER_NUMBER_RESERVED)) process.kill(process.pid, 'SIGKILL');
        },
      })
    : sqlite;
  const numbering = new LetterNumbering(store);
  for (const letterId of task.letterIds) {
    const result = await numbering.approve(letterId, { actor: task.actor, now: task.now });
    process.stdout.write(
      `${JSON.stringify({ approved: { letterId, sequence: result.state.number.sequence } })}\n`,
    );
  }
  await sqlite.close();
  process.stdout.write(`${JSON.stringify({ done: true })}\n`);
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
