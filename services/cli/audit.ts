/**
 * The auditors' command line, over the store the configuration names (DUMAS_DATA_DIR, DUMAS_STORE, …):
 *
 *   npm run audit -- replay <trackingNumber>             a readable timeline of the case
 *   npm run audit -- as-of <trackingNumber> <time> [--basis occurred|recorded]
 *                                                        the case as it stood in the world at that
 *                                                        instant (default), or as dumas knew it then
 *   npm run audit -- verify [--all] [--since head.json]  since the last checkpoint, or the whole store;
 *                                                        --since: prove the log still extends a kept head
 *   npm run audit -- checkpoint                          verify, then sign the next checkpoint now
 *   npm run audit -- head                                the current signed head (JSON) for a witness
 *   npm run audit -- export --from <time> --to <time> --format csv|json [--out <file>]
 *
 * Output is masked as for an AUDITOR (identity masked, sealed blobs and access-code hashes never shown).
 * Progress goes to stderr, results to stdout; the exit code is 1 when verification finds a problem.
 */
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { once } from 'node:events';
import fs from 'node:fs';
import type { Writable } from 'node:stream';
import { caseStateAsOf, TIME_BASES, type TimeBasis } from '../audit/as-of';
import { readCaseEvents } from '../audit/case-events';
import { CheckpointRefusedError, takeCheckpoint } from '../audit/checkpointer';
import {
  type Checkpoint,
  type CheckpointKeys,
  CheckpointStore,
  loadCheckpointKeys,
} from '../audit/checkpoints';
import { maskCaseHistory, scrubEventData } from '../audit/history';
import { type IntegrityVerdict, loadAnchors, verifySinceCheckpoint, verifyStore } from '../audit/integrity';
import { DirectoryWitness, headOf, readHead, WitnessHeadError } from '../audit/witness';
import { summarizeEvent } from '../audit/summary';
import { trackingNumberStreamId } from '../complaint/tracking-number';
import { loadConfig } from '../shared/config';
import { createEventStore } from '../shared/eventstore';
import { progressBar } from './progress';
import type { EventStore, RecordedEvent } from '../shared/eventstore/types';

const AUDITOR = { role: 'AUDITOR' } as const;

class UsageError extends Error {}

async function caseIdOf(store: EventStore, trackingNumber: string): Promise<string> {
  const [claim] = await store.readStream(trackingNumberStreamId(trackingNumber.trim().toUpperCase()), {
    maxCount: 1,
  });
  const complaintId = (claim?.data as { complaintId?: unknown } | undefined)?.complaintId;
  if (typeof complaintId !== 'string')
    throw new UsageError(`no complaint has tracking number ${trackingNumber}`);
  return complaintId;
}

async function replay(store: EventStore, trackingNumber: string, out: Writable): Promise<number> {
  const caseId = await caseIdOf(store, trackingNumber);
  const events = await readCaseEvents(store, caseId);
  const current = (await caseStateAsOf(store, caseId, new Date())).complaint;
  if (!current) throw new UsageError(`complaint ${trackingNumber} has no ComplaintReceived event`);
  const entries = maskCaseHistory(events, current, AUDITOR) ?? [];
  out.write(`Case ${current.trackingNumber} (${caseId}): ${entries.length} events, now ${current.status}\n`);
  for (const e of entries) {
    const who = e.actor
      ? `${e.actor.role}${e.actor.agencyId ? `@${e.actor.agencyId}` : ''} ${e.actor.id}`
      : '-';
    out.write(`${e.occurredAt}  #${String(e.position).padEnd(7)} ${who.padEnd(36)} ${e.summary}\n`);
  }
  return 0;
}

async function asOf(
  store: EventStore,
  trackingNumber: string,
  time: string,
  basis: TimeBasis,
  out: Writable,
): Promise<number> {
  const at = new Date(time);
  if (Number.isNaN(at.getTime())) throw new UsageError('time must be an ISO 8601 date-time');
  const caseId = await caseIdOf(store, trackingNumber);
  const state = await caseStateAsOf(store, caseId, at, { basis });
  const c = state.complaint;
  out.write(
    `Case ${trackingNumber} as of ${state.at}, ${basis === 'OCCURRED' ? 'as it stood in the world' : 'as recorded then'} (log position ${state.position}, ${state.events} events)\n`,
  );
  if (!c) {
    out.write('  not yet received\n');
    return 0;
  }
  out.write(
    `  status: ${c.status}${c.confidential ? ', confidential' : ''}${c.anonymous ? ', anonymous' : ''}\n`,
  );
  for (const f of c.forwardings) {
    out.write(`  forwarding ${f.forwardingId}: ${f.status}${f.current ? '' : ' (superseded)'}\n`);
  }
  for (const l of state.letters) {
    out.write(
      `  letter ${l.id}: ${l.kind} ${l.state}${l.number ? ` ${l.number}` : ''}${l.agencyId ? ` → ${l.agencyId}` : ''}\n`,
    );
  }
  for (const k of state.clocks) {
    const status = k.stoppedAt ? `stopped ${k.stoppedAt}` : k.breachRecordedAt ? 'breached' : 'running';
    out.write(`  clock ${k.id}: ${status}${k.dueAt ? `, due ${k.dueAt}` : ''}\n`);
  }
  return 0;
}

function printVerdict(verdict: IntegrityVerdict, out: Writable): number {
  const cp = verdict.checkpoint;
  out.write(
    `${verdict.ok ? 'OK' : 'BROKEN'}: ${verdict.eventsChecked} events in ${verdict.streamsChecked} streams checked; ` +
      `${cp ? `checkpoint ${cp.seq} of ${cp.takenAt} at position ${cp.headPosition}` : 'no signed checkpoint'}\n`,
  );
  if (!verdict.anchored) {
    out.write(
      '  UNANCHORED: verified with the development key under the data directory, which whoever can write there can also use; set DUMAS_CHECKPOINT_PUBLIC_KEY or pass --since <head.json>\n',
    );
  }
  const alert = verdict.alert;
  if (alert) {
    out.write(
      `  ALERT since ${alert.at}: the checkpointer refuses to sign: ${alert.kind}${alert.position !== null ? ` at position ${alert.position}` : ''}: ${alert.reason}\n`,
    );
  }
  for (const p of verdict.problems) {
    const where = p.position !== null ? `position ${p.position}` : 'position unknown';
    const what = p.streamId ? ` ${p.streamId}@${p.revision}` : '';
    out.write(`  ${p.kind} at ${where}${what}: ${p.reason}\n`);
  }
  return verdict.ok && !alert ? 0 : 1;
}

/** The head to hold the store to (--since), and the keys to verify with. */
function sinceHead(args: string[], keys: CheckpointKeys): { witness?: Checkpoint; keys: CheckpointKeys } {
  const file = flag(args, '--since');
  if (!file) return { keys };
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  try {
    const head = readHead(text, keys);
    return { witness: head.checkpoint, keys: head.keys };
  } catch (err) {
    if (err instanceof WitnessHeadError) throw new UsageError(`${file}: ${err.message}`);
    throw err;
  }
}

const CSV_COLUMNS = [
  'position',
  'recorded_at',
  'occurred_at',
  'stream_id',
  'revision',
  'type',
  'case_id',
  'actor_id',
  'actor_role',
  'actor_agency',
  'summary',
  'hash',
  'previous_hash',
  'data',
] as const;

/**
 * csv-stringify quotes what needs quoting and, with `escape_formulas`, prefixes a cell that begins with
 * = + - @ tab or CR by a quote, so a spreadsheet opening the export never runs text that came from a
 * token or a caller as a formula.
 */
const csvRows = (rows: readonly (readonly unknown[])[]) =>
  stringifyCsv(
    rows.map((r) => r.map((v) => (v === undefined || v === null ? '' : String(v)))),
    { escape_formulas: true },
  );

function exportRow(event: RecordedEvent) {
  const data = scrubEventData(event.data, true);
  return {
    position: event.position,
    recorded_at: event.recordedAt,
    occurred_at: event.metadata.occurredAt,
    stream_id: event.streamId,
    revision: event.revision,
    type: event.type,
    case_id: event.metadata.caseId ?? null,
    actor_id: event.metadata.actor?.id ?? null,
    actor_role: event.metadata.actor?.role ?? null,
    actor_agency: event.metadata.actor?.agencyId ?? null,
    summary: summarizeEvent({ type: event.type, data }),
    hash: event.hash,
    previous_hash: event.previousHash,
    data,
  };
}

/** Streams events recorded in [from, to] page by page, waiting for the output to drain: bounded memory. */
export async function exportEvents(
  store: EventStore,
  options: { from?: Date; to?: Date; format: 'csv' | 'json'; pageSize?: number },
  out: Writable,
  onProgress?: (done: number, total: number) => void,
): Promise<number> {
  const from = options.from?.getTime() ?? Number.NEGATIVE_INFINITY;
  const to = options.to?.getTime() ?? Number.POSITIVE_INFINITY;
  const pageSize = options.pageSize ?? 1_000;
  const head = await store.headPosition();
  const write = async (chunk: string) => {
    if (!out.write(chunk)) await once(out, 'drain');
  };
  await write(options.format === 'csv' ? csvRows([CSV_COLUMNS]) : '[\n');
  let position = 0;
  let written = 0;
  for (;;) {
    const page = await store.readAll({ fromPosition: position, maxCount: pageSize });
    let chunk = '';
    const csv: unknown[][] = [];
    for (const event of page) {
      position = event.position;
      const recorded = Date.parse(event.recordedAt);
      if (recorded < from || recorded > to) continue;
      const row = exportRow(event);
      if (options.format === 'csv') {
        csv.push(CSV_COLUMNS.map((c) => (c === 'data' ? JSON.stringify(row.data) : row[c])));
      } else {
        chunk += `${written ? ',\n' : ''}${JSON.stringify(row)}`;
      }
      written++;
    }
    if (csv.length > 0) chunk = csvRows(csv);
    if (chunk) await write(chunk);
    onProgress?.(position, Math.max(head, position));
    if (page.length < pageSize) break;
  }
  if (options.format === 'json') await write('\n]\n');
  return written;
}

function flag(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i === -1) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith('--')) throw new UsageError(`${name} needs a value`);
  return value;
}

function dateFlag(args: string[], name: string): Date | undefined {
  const value = flag(args, name);
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${name} must be an ISO 8601 date or date-time`);
  return date;
}

const USAGE = `usage: npm run audit -- <command>
  replay <trackingNumber>
  as-of <trackingNumber> <time> [--basis occurred|recorded]
  verify [--all] [--since <head.json>]
  checkpoint
  head
  export [--from <time>] [--to <time>] --format csv|json [--out <file>]`;

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const [command, ...args] = argv;
  const config = loadConfig(env);
  const store = await createEventStore(config.store);
  const checkpoints = () => ({
    store: CheckpointStore.forDataDir(config.dataDir),
    keys: loadCheckpointKeys(config.dataDir, config.audit, { production: config.production }),
  });
  try {
    switch (command) {
      case 'replay':
        if (!args[0]) throw new UsageError(USAGE);
        return await replay(store, args[0], process.stdout);
      case 'as-of': {
        if (!args[0] || !args[1]) throw new UsageError(USAGE);
        const basis = (flag(args, '--basis') ?? 'occurred').toUpperCase() as TimeBasis;
        if (!TIME_BASES.includes(basis)) throw new UsageError('--basis must be occurred or recorded');
        return await asOf(store, args[0], args[1], basis, process.stdout);
      }
      case 'verify': {
        const { store: cps, keys: configured } = checkpoints();
        const { witness, keys } = sinceHead(args, configured);
        const bar = progressBar('verify');
        try {
          const options = { onProgress: bar.update, ...(witness ? { witness } : {}) };
          const verdict =
            args.includes('--all') || witness
              ? await verifyStore(store, cps, keys, options)
              : await verifySinceCheckpoint(store, cps, keys, options);
          bar.done();
          return printVerdict(verdict, process.stdout);
        } finally {
          cps.close();
        }
      }
      case 'checkpoint': {
        const { store: cps, keys } = checkpoints();
        const { witnessDir } = config.audit;
        try {
          const cp = await takeCheckpoint(
            store,
            cps,
            keys,
            witnessDir ? { witness: new DirectoryWitness(witnessDir) } : {},
          );
          process.stdout.write(
            cp
              ? `checkpoint ${cp.body.seq}: ${cp.body.eventCount} events, ${cp.body.streamCount} streams, head ${cp.body.headPosition}, key ${cp.body.keyId}\n`
              : 'nothing to sign: the log is empty\n',
          );
          return 0;
        } catch (err) {
          if (!(err instanceof CheckpointRefusedError)) throw err;
          process.stdout.write(`REFUSED: ${err.message}\n`);
          return 1;
        } finally {
          cps.close();
        }
      }
      case 'head': {
        const { store: cps, keys } = checkpoints();
        try {
          const anchors = await loadAnchors(store, cps, keys);
          if (anchors.problems[0]) {
            process.stderr.write(`no trustworthy head: ${anchors.problems[0].reason}\n`);
            return 1;
          }
          if (!anchors.latest) {
            process.stderr.write('no signed checkpoint yet: run `npm run audit -- checkpoint`\n');
            return 1;
          }
          process.stdout.write(`${JSON.stringify(headOf(anchors.latest, keys), null, 2)}\n`);
          return 0;
        } finally {
          cps.close();
        }
      }
      case 'export': {
        const format = flag(args, '--format');
        if (format !== 'csv' && format !== 'json') throw new UsageError('--format must be csv or json');
        const from = dateFlag(args, '--from');
        const to = dateFlag(args, '--to');
        const file = flag(args, '--out');
        const out = file ? fs.createWriteStream(file) : process.stdout;
        const bar = progressBar('export');
        const written = await exportEvents(
          store,
          { format, ...(from ? { from } : {}), ...(to ? { to } : {}) },
          out,
          bar.update,
        );
        bar.done();
        if (file) {
          (out as fs.WriteStream).end();
          await once(out, 'finish');
        }
        process.stderr.write(`exported ${written} events\n`);
        return 0;
      }
      default:
        throw new UsageError(USAGE);
    }
  } finally {
    await store.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`${err instanceof UsageError ? err.message : String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
