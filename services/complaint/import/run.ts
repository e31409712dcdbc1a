/**
 * A whole file through the importer, streamed: rows are read, parsed and imported a batch at a time, so
 * memory stays flat whatever the file's size (CSV and JSON Lines; a JSON array is read whole, see
 * README). The report counts every row and lists each refusal with its line, also as a CSV next to the
 * input.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import readline from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { parse } from 'csv-parse';
import { stringify } from 'csv-stringify';
import type { EventStoreTuning } from '../../shared/eventstore';
import type { EventStore } from '../../shared/eventstore/types';
import type { KeyVault } from '../../shared/pii/vault';
import { AgencyDirectory } from '../agency-directory';
import { ComplaintImporter } from './importer';
import { type ImportMapping, type ImportRecord, parseRow } from './mapping';

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

export type ImportFormat = 'csv' | 'json' | 'jsonl';

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
}

export function formatOf(file: string): ImportFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return 'csv';
}

/** `samples/lapor.csv` → `samples/lapor.refused.csv`. */
export const refusalsFileOf = (file: string) =>
  `${file.replace(/\.(csv|jsonl|ndjson|json)$/i, '')}.refused.csv`;

async function digestOf(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

type Row =
  | { readonly line: number; readonly row: Record<string, unknown> }
  | { readonly line: number; readonly error: string };

/** Rows with their line numbers; a malformed row comes out as an error, not the end of the file. */
async function* readRows(input: fs.ReadStream, format: ImportFormat): AsyncGenerator<Row> {
  if (format === 'csv') {
    const skipped: Row[] = [];
    const parser = input.pipe(
      parse({
        columns: true,
        bom: true,
        delimiter: csvDelimiter(input.path.toString()),
        trim: true,
        skip_empty_lines: true,
        info: true,
        skip_records_with_error: true,
      }),
    );
    parser.on('skip', (err: Error & { lines?: number; code?: string }) => {
      skipped.push({
        line: err.lines ?? 0,
        error: `not a well-formed CSV row (${err.code ?? 'parse error'})`,
      });
    });
    for await (const item of parser as AsyncIterable<{
      record: Record<string, string>;
      info: { lines: number };
    }>) {
      while (skipped.length) yield skipped.shift()!;
      yield { line: item.info.lines, row: item.record };
    }
    while (skipped.length) yield skipped.shift()!;
    return;
  }
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      line++;
      if (text.trim() === '') continue;
      yield parseJsonObject(text, line);
    }
    return;
  }
  // A JSON array: read whole (JSON Lines is the streaming form); each element's "line" is its position.
  let text = '';
  for await (const chunk of input) text += (chunk as Buffer).toString('utf8');
  let items: unknown;
  try {
    items = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    yield { line: 1, error: 'the file is not valid JSON' };
    return;
  }
  if (!Array.isArray(items)) {
    yield { line: 1, error: 'a JSON file must hold an array of objects' };
    return;
  }
  for (let i = 0; i < items.length; i++) yield objectRow(items[i], i + 1);
}

/** Spreadsheets in an Indonesian locale save semicolons: the header line tells which one this file uses. */
function csvDelimiter(file: string): ',' | ';' {
  const fd = fs.openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(64 * 1024);
    const header =
      buffer
        .subarray(0, fs.readSync(fd, buffer, 0, buffer.length, 0))
        .toString('utf8')
        .split('\n')[0] ?? '';
    const count = (c: string) => header.split(c).length - 1;
    return count(';') > count(',') ? ';' : ',';
  } finally {
    fs.closeSync(fd);
  }
}

function parseJsonObject(text: string, line: number): Row {
  try {
    return objectRow(JSON.parse(text), line);
  } catch {
    return { line, error: 'not valid JSON' };
  }
}

function objectRow(value: unknown, line: number): Row {
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return { line, error: 'not a JSON object' };
  return { line, row: value as Record<string, unknown> };
}

export async function runImport(options: ImportRunOptions): Promise<ImportReport> {
  const { file, mapping } = options;
  const format = options.format ?? formatOf(file);
  const now = options.now ?? (() => new Date().toISOString());
  const fileDigest = await digestOf(file);
  const totalBytes = fs.statSync(file).size;
  const importer = new ComplaintImporter(
    options.store,
    options.vault,
    await AgencyDirectory.load(options.store),
  );

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
  // Rows wait in a batch, so that the cases of a batch commit together (ComplaintImporter.importBatch);
  // refusals wait with them, so the report keeps the file's order.
  type Pending =
    | { readonly line: number; readonly reference: string | null; readonly reason: string }
    | { readonly line: number; readonly reference: string | null; readonly record: ImportRecord };
  let pending: Pending[] = [];
  const flush = async () => {
    const rows = pending.filter((p): p is Extract<Pending, { record: ImportRecord }> => 'record' in p);
    const outcomes = await importer.importBatch(
      rows.map((p) => ({
        record: p.record,
        provenance: { source: mapping.source, fileDigest, line: p.line },
      })),
      { dryRun: options.dryRun === true },
    );
    let next = 0;
    for (const p of pending) {
      if (!('record' in p)) {
        refuse(p);
        continue;
      }
      const outcome = outcomes[next++]!;
      if (outcome.kind === 'imported') imported++;
      else if (outcome.kind === 'present') alreadyPresent++;
      else refuse({ line: p.line, reference: p.reference, reason: outcome.reason });
    }
    pending = [];
  };
  const input = fs.createReadStream(file);
  const referenceColumn = mapping.columns.reference;
  for await (const item of readRows(input, format)) {
    read++;
    if ('error' in item) {
      pending.push({ line: item.line, reference: null, reason: item.error });
    } else {
      const raw = referenceColumn ? item.row[referenceColumn] : undefined;
      const reference = raw === undefined || raw === null || raw === '' ? null : String(raw).slice(0, 200);
      const parsed = parseRow(item.row, mapping, now());
      if (!parsed.ok) pending.push({ line: item.line, reference, reason: parsed.reason });
      else pending.push({ line: item.line, reference, record: parsed.record });
    }
    if (pending.length >= BATCH_ROWS) await flush();
    if (read % 500 === 0) options.onProgress?.(input.bytesRead, totalBytes, read);
  }
  await flush();
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
