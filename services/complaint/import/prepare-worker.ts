/**
 * The importer's second thread (run.ts): it reads the file and does every row's work that needs no store
 * (parse, map, check the agencies, seal the identity with a key made in memory, draw a tracking number,
 * decide the whole case, serialise its events as canonical JSON), while the main thread checks and
 * writes the batch before. Rows go out in the file's order in chunks smaller than a batch (what a chunk
 * holds then dies young on this thread's heap instead of being promoted while a batch fills), at most
 * `aheadChunks` of them unwritten, so memory stays flat. Nothing here writes: the main thread judges what exists already and
 * commits (ComplaintImporter.commitPrepared), so idempotency, refusals and the hash chain are decided
 * where they were.
 */
import fs from 'node:fs';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { DomainError } from '../../shared/errors';
import { canonicalJson } from '../../shared/eventstore/hash';
import type { Actor, ExpectedRevision } from '../../shared/eventstore/types';
import { type StoredDataKey, SubjectKeyMaker } from '../../shared/pii/vault';
import { AgencyDirectory } from '../agency-directory';
import { TrackingNumberBits } from '../tracking-number';
import {
  channelComplaintId,
  type ImportProvenance,
  type PreparedCase,
  prepareCase,
  screenRecord,
} from './importer';
import type { ImportMapping, ImportRecord } from './mapping';
import { type ImportFormat, mapRow, readRows } from './source';

export interface PrepareWorkerData {
  readonly file: string;
  readonly format: ImportFormat;
  readonly mapping: ImportMapping;
  readonly fileDigest: string;
  /** Rows a message carries. */
  readonly chunkRows: number;
  /** Chunks sent and not yet written (the main thread answers each one it has written). */
  readonly aheadChunks: number;
  readonly agencies: readonly (readonly [string, string])[];
  /** KeyVault.newSubjectsElsewhere().masterKey. */
  readonly masterKey: Uint8Array | null;
  readonly actor: Actor;
  /** The bound on a row's times when the caller fixed one; else the wall clock at each row. */
  readonly now: string | null;
}

/** An event as canonical JSON (canonicalValue turns it back into data and metadata for the store). */
export interface SerializedEvent {
  readonly id?: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string;
}

export type PreparedMessageRow =
  | { readonly line: number; readonly reference: string | null; readonly reason: string }
  | {
      readonly line: number;
      readonly reference: string | null;
      /** Its record and provenance in the batch's `originals`. */
      readonly original: number;
      /** Absent: import it on its own after the batch (its reference came earlier in the batch). */
      readonly prepared?: PreparedCase<{
        readonly streamId: string;
        readonly expectedRevision?: ExpectedRevision;
        readonly events: readonly SerializedEvent[];
      }>;
    };

export type PrepareMessage =
  | {
      readonly kind: 'batch';
      readonly rows: readonly PreparedMessageRow[];
      /**
       * JSON of the rows' [record, provenance] pairs: wanted only for a row imported on its own, so the
       * main thread parses it only then (most batches never), instead of receiving every record as objects.
       */
      readonly originals: string;
      /** The keys of the batch's subjects, as the vault stores them. */
      readonly keys: readonly StoredDataKey[];
      readonly bytesRead: number;
    }
  | { readonly kind: 'done'; readonly bytesRead: number }
  | { readonly kind: 'failed'; readonly message: string };

async function prepareAll(data: PrepareWorkerData, post: (m: PrepareMessage) => Promise<void>) {
  const agencies = AgencyDirectory.of(data.agencies);
  const input = fs.createReadStream(data.file);
  let keys = new SubjectKeyMaker(data.masterKey);
  let rows: PreparedMessageRow[] = [];
  let originals: [ImportRecord, ImportProvenance][] = [];
  let subjects: string[] = [];
  let inBatch = new Set<string>();
  // Every number drawn in this import, so that none is drawn twice; one the store held before the import
  // is found by the main thread's check.
  const drawn = new TrackingNumberBits();
  const flush = async () => {
    const message: PrepareMessage = {
      kind: 'batch',
      rows,
      originals: JSON.stringify(originals),
      keys: keys.take(subjects),
      bytesRead: input.bytesRead,
    };
    rows = [];
    originals = [];
    subjects = [];
    inBatch = new Set();
    keys = new SubjectKeyMaker(data.masterKey);
    await post(message);
  };
  for await (const item of readRows(input, data.format)) {
    const row = mapRow(item, data.mapping, data.now ?? new Date().toISOString());
    if ('reason' in row) rows.push(row);
    else {
      const provenance: ImportProvenance = {
        source: data.mapping.source,
        fileDigest: data.fileDigest,
        line: row.line,
      };
      rows.push(await prepareRow(row, provenance));
    }
    if (rows.length >= data.chunkRows) await flush();
  }
  if (rows.length) await flush();
  await post({ kind: 'done', bytesRead: input.bytesRead });

  async function prepareRow(
    row: { readonly line: number; readonly reference: string | null; readonly record: ImportRecord },
    provenance: ImportProvenance,
  ): Promise<PreparedMessageRow> {
    const { line, reference, record } = row;
    const original = originals.push([record, provenance]) - 1;
    // The same reference twice in one batch: the second is judged once the first is written.
    const id = channelComplaintId(record.channel, record.reference);
    if (inBatch.has(id)) return { line, reference, original };
    const candidate = screenRecord(record, provenance, agencies, data.actor);
    if ('kind' in candidate) return { line, reference, reason: candidate.reason };
    let prepared: Awaited<ReturnType<typeof prepareCase>>;
    try {
      prepared = await prepareCase(candidate, keys, drawn);
    } catch (err) {
      if (err instanceof DomainError) return { line, reference, reason: err.message };
      throw err;
    }
    inBatch.add(id);
    subjects.push(prepared.subjectId);
    return {
      line,
      reference,
      original,
      prepared: {
        complaintId: candidate.complaintId,
        streamId: candidate.streamId,
        subjectId: prepared.subjectId,
        claimStreamId: prepared.claimStreamId,
        trackingNumber: prepared.trackingNumber,
        appends: prepared.appends.map((a) => ({
          streamId: a.streamId,
          ...(a.expectedRevision !== undefined ? { expectedRevision: a.expectedRevision } : {}),
          events: a.events.map((e) => ({
            ...(e.id !== undefined ? { id: e.id } : {}),
            type: e.type,
            data: canonicalJson(e.data),
            metadata: canonicalJson(e.metadata),
          })),
        })),
      },
    };
  }
}

if (!isMainThread && parentPort && (workerData as { kind?: string } | null)?.kind === 'dumas-import') {
  const port = parentPort;
  const data = (workerData as { data: PrepareWorkerData }).data;
  // The main thread answers every chunk it has written; one goes out only while fewer than aheadChunks wait.
  let credits = data.aheadChunks;
  let wake: (() => void) | undefined;
  port.on('message', (written: number) => {
    credits += written;
    wake?.();
  });
  const post = async (message: PrepareMessage) => {
    while (message.kind === 'batch' && credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
    if (message.kind === 'batch') credits--;
    port.postMessage(message);
  };
  prepareAll(data, post).catch((err: unknown) => {
    // The row's data never goes into the message: only what failed, as the main thread reports it.
    port.postMessage({
      kind: 'failed',
      message: err instanceof Error ? `${err.name}: ${err.message}` : 'the import worker failed',
    } satisfies PrepareMessage);
  });
}
