/**
 * A whole file through the importer, streamed: rows are read, parsed and imported a batch at a time, so
 * memory stays flat whatever the file's size (CSV and JSON Lines; a JSON array is read whole, see
 * README). The report counts every row and lists each refusal with its line, also as a CSV next to the
 * input.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Worker } from 'node:worker_threads';
import { stringify } from 'csv-stringify';
import type { EventStoreTuning } from '../../shared/eventstore';
import { canonicalValue } from '../../shared/eventstore/hash';
import type { EventStore, StreamAppend } from '../../shared/eventstore/types';
import type { KeyVault, StoredDataKey } from '../../shared/pii/vault';
import { AgencyDirectory } from '../agency-directory';
import {
  ComplaintImporter,
  IMPORT_ACTOR,
  type ImportOutcome,
  type ImportProvenance,
  type PreparedRow,
} from './importer';
import type { ImportMapping, ImportRecord } from './mapping';
import type { PrepareMessage, PreparedMessageRow, PrepareWorkerData } from './prepare-worker';
import { formatOf, type ImportFormat, type MappedRow, mapRow, readRows } from './source';

export { formatOf, type ImportFormat } from './source';

const MAX_REFUSALS_KEPT = 1000;
/**
 * Rows per batch: one commit of the event log (and one of the key vault) for all their cases, where
 * importing row by row committed three times a row. What a commit writes is mostly the pages its cases
 * touch in indexes that span the whole log, so fewer, larger commits write less; but a batch's rows,
 * events and sealed identities live until its commit, and past ~500 rows they cost the heap more (in
 * garbage promoted to the old generation) than they save the disk.
 */
const BATCH_ROWS = 500;

/**
 * The store as an import wants it (createEventStore): SQLite's cache holds a batch's dirty pages (about
 * 10 MB at 500 rows), which its 2 MB default would spill to the WAL mid-transaction and write twice.
 */
export const IMPORT_STORE_TUNING: EventStoreTuning = { sqliteCacheMb: 16 };

/**
 * The preparing worker's heap (resourceLimits): it holds the code and one batch (a few MB), so a cap far
 * above that costs nothing but keeps V8 from growing the heap with garbage (measured: 60 to 100 MB of
 * peak RSS without it), at the price of more frequent collections.
 */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 48, maxOldGenerationSizeMb: 64 };

/** Rows per message from the worker (prepare-worker.ts): a fifth of a batch. */
const CHUNK_ROWS = 100;

export interface ImportRefusal {
  readonly line: number;
  readonly reference: string | null;
  readonly reason: string;
}

export interface ImportReport {
  readonly file: string;
  readonly fileDigest: string;
  readonly dryRun: boolean;
  readonly read: number;
  readonly imported: number;
  readonly alreadyPresent: number;
  readonly refused: number;
  /** The first refusals (all of them are in `refusalsFile`). */
  readonly refusals: readonly ImportRefusal[];
  /** Where every refusal was written. */
  readonly refusalsFile: string;
}

export interface ImportRunOptions {
  readonly file: string;
  readonly format?: ImportFormat;
  readonly mapping: ImportMapping;
  readonly dryRun?: boolean;
  readonly store: EventStore;
  readonly vault: KeyVault;
  /** Bounds the times a row may carry. Default: the wall clock. */
  readonly now?: () => string;
  /** Called now and then with the bytes of the file read so far. */
  readonly onProgress?: (bytesRead: number, totalBytes: number, rows: number) => void;
  /**
   * Whether the rows' work that needs no store (parse, map, seal, decide, serialise) runs on a worker
   * thread while this one writes; default yes where it can (not a dry run, a store with appendMany, a
   * vault with newSubjectsElsewhere). The outcome is the same either way.
   */
  readonly worker?: boolean;
}

/** `samples/lapor.csv` → `samples/lapor.refused.csv`. */
export const refusalsFileOf = (file: string) =>
  `${file.replace(/\.(csv|jsonl|ndjson|json)$/i, '')}.refused.csv`;

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function runImport(options: ImportRunOptions): Promise<ImportReport> {
  const { file, mapping } = options;
  const format = options.format ?? formatOf(file);
  const now = options.now ?? (() => new Date().toISOString());
  const fileDigest = await digestOf(file);
  const totalBytes = fs.statSync(file).size;
  const agencies = await AgencyDirectory.load(options.store);
  const importer = new ComplaintImporter(options.store, options.vault, agencies);

  let read = 0;
  let imported = 0;
  let alreadyPresent = 0;
  let refused = 0;
  const refusals: ImportRefusal[] = [];
  // Refusals go to their file as they come, so a file of bad rows costs no memory either.
  const refusalsFile = refusalsFileOf(file);
  const refusalsOut = stringify({
    header: true,
    columns: ['line', 'reference', 'reason'],
    escape_formulas: true,
  });
  const refusalsDone = pipeline(refusalsOut, fs.createWriteStream(refusalsFile));
  const refuse = (r: ImportRefusal) => {
    refused++;
    if (refusals.length < MAX_REFUSALS_KEPT) refusals.push(r);
    refusalsOut.write([r.line, r.reference ?? '', r.reason]);
  };
  /** A row's outcome in the report; a row refused before it reached the importer has its reason. */
  const count = (
    row: { readonly line: number; readonly reference: string | null } | ImportRefusal,
    outcome: ImportOutcome | undefined,
  ) => {
    read++;
    if ('reason' in row) refuse(row);
    else if (outcome!.kind === 'imported') imported++;
    else if (outcome!.kind === 'present') alreadyPresent++;
    else refuse({ line: row.line, reference: row.reference, reason: outcome!.reason });
  };
  /** Every row on this thread: the dry run, and stores or vaults that cannot take a batch whole. */
  const importHere = async () => {
    // Rows wait in a batch, so that the cases of a batch commit together (ComplaintImporter.importBatch);
    // refusals wait with them, so the report keeps the file's order.
    let pending: MappedRow[] = [];
    const flush = async () => {
      const rows = pending.filter((p) => 'record' in p);
      const outcomes = await importer.importBatch(
        rows.map((p) => ({
          record: p.record,
          provenance: { source: mapping.source, fileDigest, line: p.line },
        })),
        { dryRun: options.dryRun === true },
      );
      let next = 0;
      for (const p of pending) count(p, 'record' in p ? outcomes[next++] : undefined);
      pending = [];
    };
    const input = fs.createReadStream(file);
    let rows = 0;
    for await (const item of readRows(input, format)) {
      pending.push(mapRow(item, mapping, now()));
      if (pending.length >= BATCH_ROWS) await flush();
      if (++rows % 500 === 0) options.onProgress?.(input.bytesRead, totalBytes, rows);
    }
    await flush();
  };
  const keyWriter = options.dryRun ? undefined : options.vault.newSubjectsElsewhere?.();
  if (options.worker !== false && keyWriter && options.store.appendMany) {
    for await (const batch of preparedBatches({
      file,
      format,
      mapping,
      fileDigest,
      chunkRows: CHUNK_ROWS,
      // A batch being written and the next one prepared meanwhile.
      aheadChunks: 2 * Math.ceil(BATCH_ROWS / CHUNK_ROWS),
      agencies: agencies.entries(),
      masterKey: keyWriter.masterKey,
      actor: IMPORT_ACTOR,
      // A function cannot cross to the worker: a bound the caller fixed is taken once, at the start.
      now: options.now ? options.now() : null,
    })) {
      const rows: PreparedRow[] = [];
      for (const chunk of batch.chunks) {
        let originals: [ImportRecord, ImportProvenance][] | undefined;
        const original = (i: number) => {
          originals ??= JSON.parse(chunk.originals) as [ImportRecord, ImportProvenance][];
          const [record, provenance] = originals[i]!;
          return { record, provenance };
        };
        for (const r of chunk.rows) if ('original' in r) rows.push(preparedRow(r, original));
      }
      const outcomes = await importer.commitPrepared(rows, batch.keys, keyWriter);
      let next = 0;
      for (const chunk of batch.chunks)
        for (const row of chunk.rows) count(row, 'original' in row ? outcomes[next++] : undefined);
      options.onProgress?.(batch.bytesRead, totalBytes, read);
    }
  } else await importHere();
  options.onProgress?.(totalBytes, totalBytes, read);

  refusalsOut.end();
  await refusalsDone;
  return {
    file,
    fileDigest,
    dryRun: options.dryRun === true,
    read,
    imported,
    alreadyPresent,
    refused,
    refusals,
    refusalsFile,
  };
}

/** A row from the worker as commitPrepared takes it: its events' canonical JSON stands for their values. */
function preparedRow(
  row: Extract<PreparedMessageRow, { original: number }>,
  originals: (i: number) => { record: ImportRecord; provenance: ImportProvenance },
): PreparedRow {
  const { prepared } = row;
  const original = () => originals(row.original);
  if (!prepared) return { original };
  return {
    original,
    prepared: {
      ...prepared,
      appends: prepared.appends.map(
        (a): StreamAppend => ({
          ...a,
          events: a.events.map((e) => ({
            ...e,
            data: canonicalValue(e.data),
            metadata: canonicalValue(e.metadata),
          })),
        }),
      ),
    },
  };
}

type PreparedChunk = Extract<PrepareMessage, { kind: 'batch' }>;

/**
 * The prepared rows of a file, in its order, from a worker thread (prepare-worker.ts), gathered from its
 * chunks into batches of at least BATCH_ROWS rows (or the rest of the file). Once a batch is written
 * (the loop asks for the next), its chunks are answered, and the worker may prepare as many more. The
 * worker is stopped when the loop ends, however it ends.
 */
async function* preparedBatches(data: PrepareWorkerData): AsyncGenerator<{
  readonly chunks: readonly PreparedChunk[];
  readonly keys: readonly StoredDataKey[];
  readonly bytesRead: number;
}> {
  const worker = new Worker(workerSource(), {
    eval: true,
    execArgv: [],
    workerData: { kind: 'dumas-import', data },
    // Its heap holds the code and the rows not yet sent: capped, so that garbage is collected instead of
    // growing the import's RSS. A JSON array is read whole (see readRows), so its worker is left uncapped.
    ...(data.format === 'json' ? {} : { resourceLimits: WORKER_HEAP }),
  });
  const queue: PrepareMessage[] = [];
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  worker.on('message', (m: PrepareMessage) => {
    queue.push(m);
    wake?.();
  });
  worker.on('error', (err) => {
    failure = err;
    wake?.();
  });
  worker.on('exit', (code) => {
    failure ??= new Error(`the import worker stopped (exit code ${code})`);
    wake?.();
  });
  const next = async (): Promise<PrepareMessage> => {
    for (;;) {
      const message = queue.shift();
      if (message) return message;
      if (failure) throw failure;
      await new Promise<void>((resolve) => (wake = resolve));
      wake = undefined;
    }
  };
  try {
    for (let done = false; !done; ) {
      const chunks: PreparedChunk[] = [];
      let rows = 0;
      while (rows < BATCH_ROWS) {
        const message = await next();
        if (message.kind === 'failed') throw new Error(message.message);
        if (message.kind === 'done') {
          done = true;
          break;
        }
        chunks.push(message);
        rows += message.rows.length;
      }
      if (chunks.length === 0) return;
      yield { chunks, keys: chunks.flatMap((c) => c.keys), bytesRead: chunks.at(-1)!.bytesRead };
      worker.postMessage(chunks.length);
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}

/**
 * The worker's code: prepare-worker.ts, compiled as this thread's code is. Run from source (npm run
 * import, jest) it is TypeScript, which services/shared/ts-hook.js compiles without loading the
 * TypeScript compiler into the worker (about 45 MB of the import's peak RSS).
 */
function workerSource(): string {
  const file = path.join(__dirname, `prepare-worker${path.extname(__filename)}`);
  const hook = file.endsWith('.ts')
    ? `require(${JSON.stringify(path.join(__dirname, '../../shared/ts-hook.js'))});`
    : '';
  return `${hook}require(${JSON.stringify(file)});`;
}
