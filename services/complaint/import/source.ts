/**
 * A source file's rows, streamed, each with its line number (CSV and JSON Lines; a JSON array is read
 * whole, see README), and each row's first judgement: the record its mapping makes of it, or why not.
 * Shared by the importer's thread that writes and its worker thread that prepares (run.ts).
 */
import fs from 'node:fs';
import readline from 'node:readline';
import { parse } from 'csv-parse';
import { type ImportMapping, type ImportRecord, parseRow } from './mapping';

export type ImportFormat = 'csv' | 'json' | 'jsonl';

export function formatOf(file: string): ImportFormat {
  const lower = file.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.json')) return 'json';
  return 'csv';
}

export type Row =
  | { readonly line: number; readonly row: Record<string, unknown> }
  | { readonly line: number; readonly error: string };

/** Rows with their line numbers; a malformed row comes out as an error, not the end of the file. */
export async function* readRows(input: fs.ReadStream, format: ImportFormat): AsyncGenerator<Row> {
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

/** A row as the report knows it: its line, its source reference (if any), and its record or refusal. */
export type MappedRow =
  | { readonly line: number; readonly reference: string | null; readonly reason: string }
  | { readonly line: number; readonly reference: string | null; readonly record: ImportRecord };

/** A row read (readRows) through its mapping; `now` bounds the times it may carry. */
export function mapRow(item: Row, mapping: ImportMapping, now: string): MappedRow {
  if ('error' in item) return { line: item.line, reference: null, reason: item.error };
  const column = mapping.columns.reference;
  const raw = column ? item.row[column] : undefined;
  const reference = raw === undefined || raw === null || raw === '' ? null : String(raw).slice(0, 200);
  const parsed = parseRow(item.row, mapping, now);
  return parsed.ok
    ? { line: item.line, reference, record: parsed.record }
    : { line: item.line, reference, reason: parsed.reason };
}
