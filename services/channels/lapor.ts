/**
 * The SP4N-LAPOR! exchange, behind a port (the contract is written out in the README, "SP4N-LAPOR!
 * exchange"): an HTTP client for the exchange's two endpoints, a pull worker and a status flow.
 *
 * In: the worker pages through `GET /reports?cursor=…&limit=…`. Each report is an object with the
 * columns of a LAPOR export, so it goes through the importer's own `lapor` mapping and whole-case import:
 * one complaint per tracking id (the complaint id follows from it, the same as an imported export row's),
 * its history as events at their original times. The cursor is kept in the complaint read-model store
 * after a page is taken in, so a crash re-reads at most one page, which the importer finds already present.
 *
 * Out: a flow over the complaint log posts each forwarding, agency response and closing of a LAPOR
 * complaint to `POST /reports/{trackingId}/status`, with the dumas event id as Idempotency-Key. The
 * flow's checkpoint and the record of the success commit together after the answer, so a crash between
 * the two sends again (at-least-once; LAPOR deduplicates by the key) and nothing is sent after a
 * recorded success. History imported from LAPOR (or a file) is LAPOR's already and is not sent back.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { AgencyDirectory, ComplaintImporter, LAPOR_MAPPING, parseRow } from '../complaint/contract-import';
import {
  COMPLAINT_STREAM_PREFIX,
  type ComplaintReceived,
  complaintIdFromStream,
  complaintStreamId,
} from '../complaint/contract';
import type { LaporChannelConfig } from '../shared/config';
import type { Actor, EventStore, RecordedEvent } from '../shared/eventstore/types';
import type { Logger } from '../shared/logger';
import { ERASED } from '../shared/pii/sealed';
import type { KeyVault } from '../shared/pii/vault';
import type { ReadModelStore } from '../shared/projections/types';
import type { Flow } from '../shared/workers/flow-runner';
import { describeError } from '../shared/workers/log-runner';

export type { LaporChannelConfig } from '../shared/config';

/** The worker as the actor of the complaints it takes in. */
export const LAPOR_ACTOR: Actor = { id: 'channel:lapor', role: 'SYSTEM' };
/** The provenance every pulled complaint's events carry (`metadata.imported.source`). */
export const LAPOR_EXCHANGE_SOURCE = 'SP4N-LAPOR! exchange';

const PULL_CHECKPOINT = 'channel.lapor_pull';
const PULL_COLLECTION = 'lapor_pull';
export const LAPOR_PUSH_FLOW = 'flow.lapor_status';
/** One document per pushed event (by its id): the recorded outcome of the push. */
export const LAPOR_PUSHES_COLLECTION = 'lapor_status_pushes';

export type LaporStatus = 'FORWARDED' | 'RESPONDED' | 'CLOSED';

/** The body of a status push (README: "SP4N-LAPOR! exchange"). */
export interface LaporStatusUpdate {
  /** The dumas event the update tells of; also the Idempotency-Key. */
  readonly id: string;
  readonly status: LaporStatus;
  /** When it happened (ISO 8601, UTC). */
  readonly at: string;
  readonly trackingNumber: string;
  readonly agencyIds?: readonly string[];
  readonly response?: string;
}

export class LaporApiError extends Error {
  constructor(
    /** The HTTP status, or undefined when no answer came (network, timeout, a body that is no page). */
    readonly status: number | undefined,
    what: string,
  ) {
    super(
      `the SP4N-LAPOR! exchange ${status ? `answered ${status} to` : 'gave no usable answer to'} ${what}`,
    );
    this.name = 'LaporApiError';
  }

  /** Worth trying again: no answer, a timeout, throttling or a server error. Any other 4xx will not change. */
  get retryable(): boolean {
    return this.status === undefined || this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export interface LaporPage {
  readonly reports: readonly Readonly<Record<string, unknown>>[];
  readonly nextCursor: string | null;
}

export class LaporClient {
  constructor(private readonly config: Pick<LaporChannelConfig, 'baseUrl' | 'token' | 'timeoutMs'>) {}

  private async call(what: string, path: string, init: RequestInit = {}): Promise<Response> {
    try {
      return await fetch(`${this.config.baseUrl}${path}`, {
        ...init,
        headers: {
          authorization: `Bearer ${this.config.token}`,
          accept: 'application/json',
          ...(init.headers as Record<string, string> | undefined),
        },
        signal: AbortSignal.timeout(this.config.timeoutMs),
      });
    } catch {
      throw new LaporApiError(undefined, what);
    }
  }

  /** One page of reports after `cursor` (null: from the beginning). */
  async pull(cursor: string | null, limit: number): Promise<LaporPage> {
    const query = new URLSearchParams({ limit: String(limit), ...(cursor !== null ? { cursor } : {}) });
    const res = await this.call('a page of reports', `/reports?${query}`);
    if (!res.ok) throw new LaporApiError(res.status, 'a page of reports');
    const body = (await res.json().catch(() => undefined)) as
      | { reports?: unknown; nextCursor?: unknown }
      | undefined;
    if (
      !body ||
      !Array.isArray(body.reports) ||
      body.reports.some((r) => !r || typeof r !== 'object' || Array.isArray(r)) ||
      (body.nextCursor !== undefined && body.nextCursor !== null && typeof body.nextCursor !== 'string')
    )
      throw new LaporApiError(undefined, 'a page of reports (not a page)');
    return {
      reports: body.reports as Record<string, unknown>[],
      nextCursor: typeof body.nextCursor === 'string' ? body.nextCursor : null,
    };
  }

  /** Posts a status update; a 409 (the key was seen) is a success like a 2xx. */
  async pushStatus(trackingId: string, update: LaporStatusUpdate): Promise<number> {
    const res = await this.call('a status update', `/reports/${encodeURIComponent(trackingId)}/status`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': update.id },
      body: JSON.stringify(update),
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok && res.status !== 409) throw new LaporApiError(res.status, 'a status update');
    return res.status;
  }
}

export interface PullReport {
  readonly pages: number;
  readonly imported: number;
  readonly present: number;
  readonly refused: number;
}

/** Takes LAPOR's reports in, page by page from the kept cursor; `start` repeats it every `pollMs`. */
export class LaporPullWorker {
  private running: Promise<PullReport> = Promise.resolve({ pages: 0, imported: 0, present: 0, refused: 0 });
  private readonly controller = new AbortController();
  private loop: Promise<void> | undefined;

  constructor(
    private readonly config: LaporChannelConfig,
    private readonly client: LaporClient,
    private readonly deps: {
      readonly store: EventStore;
      readonly vault: KeyVault;
      readonly readModels: ReadModelStore;
      readonly logger: Logger;
      readonly now: () => string;
    },
  ) {}

  start(): void {
    this.loop ??= (async () => {
      const { signal } = this.controller;
      while (!signal.aborted) {
        await this.pullOnce().catch((err: unknown) => {
          this.deps.logger.warn(describeError(err), 'SP4N-LAPOR! pull failed; tried again at the next poll');
        });
        await sleep(this.config.pollMs, undefined, { signal }).catch(() => undefined);
      }
    })();
  }

  async stop(): Promise<void> {
    this.controller.abort();
    await this.loop;
    await this.running.catch(() => undefined);
  }

  /** Pulls until LAPOR has nothing newer; one pull at a time (a second call waits for the first). */
  pullOnce(): Promise<PullReport> {
    const next = this.running.catch(() => undefined).then(() => this.pull());
    this.running = next;
    return next;
  }

  /** The kept cursor (null before the first page). */
  async cursor(): Promise<string | null> {
    return (
      (await this.deps.readModels.get<{ cursor: string | null }>(PULL_COLLECTION, 'cursor'))?.cursor ?? null
    );
  }

  private async pull(): Promise<PullReport> {
    const { store, vault, readModels, logger } = this.deps;
    const counts = { pages: 0, imported: 0, present: 0, refused: 0 };
    let importer: ComplaintImporter | undefined;
    let cursor = await this.cursor();
    let pagesKept = (await readModels.checkpoint(PULL_CHECKPOINT)).position;
    while (!this.controller.signal.aborted) {
      const page = await this.client.pull(cursor, this.config.pageSize);
      counts.pages++;
      // The directory as it is now: an agency created since the last pull resolves.
      if (page.reports.length > 0 && !importer)
        importer = new ComplaintImporter(store, vault, await AgencyDirectory.load(store), LAPOR_ACTOR);
      for (const report of page.reports) {
        const raw = report[LAPOR_MAPPING.columns.reference!];
        // A tracking id is LAPOR's number, not personal: it may name the report in the log.
        const trackingId =
          typeof raw === 'string' || typeof raw === 'number' ? String(raw).slice(0, 64) : null;
        const parsed = parseRow(report, LAPOR_MAPPING, this.deps.now());
        const outcome = parsed.ok
          ? await importer!.importRecord(parsed.record, { source: LAPOR_EXCHANGE_SOURCE })
          : ({ kind: 'refused', reason: parsed.reason } as const);
        if (outcome.kind === 'imported') counts.imported++;
        else if (outcome.kind === 'present') counts.present++;
        else {
          counts.refused++;
          logger.warn(
            { trackingId, reason: outcome.reason },
            'an SP4N-LAPOR! report was refused; it is not pulled again (import it by hand once corrected)',
          );
        }
      }
      const moved = page.nextCursor !== null && page.nextCursor !== cursor;
      if (moved) {
        cursor = page.nextCursor;
        await readModels.applyBatch(PULL_CHECKPOINT, ++pagesKept, (tx) =>
          tx.put(PULL_COLLECTION, 'cursor', { cursor, at: this.deps.now() }),
        );
      }
      if (!moved || page.reports.length < this.config.pageSize) break;
    }
    if (counts.imported + counts.refused > 0) logger.info(counts, 'SP4N-LAPOR! reports pulled');
    return counts;
  }
}

/** What LAPOR is told of an event, or undefined: nothing. */
function statusUpdate(event: RecordedEvent, trackingNumber: string): LaporStatusUpdate | undefined {
  const base = { id: event.id, at: event.metadata.occurredAt, trackingNumber };
  const d = event.data as Readonly<Record<string, unknown>>;
  switch (event.type) {
    case 'ComplaintForwarded':
      return {
        ...base,
        status: 'FORWARDED',
        agencyIds: ((d.forwardings as { agencyId: string }[] | undefined) ?? []).map((f) => f.agencyId),
      };
    case 'AgencyResponseRecorded':
      return {
        ...base,
        status: 'RESPONDED',
        agencyIds: [String(d.agencyId)],
        response: String(d.response ?? ''),
      };
    case 'ComplaintClosed':
      return { ...base, status: 'CLOSED' };
    default:
      return undefined;
  }
}

export const LAPOR_STATUS_EVENT_TYPES = ['ComplaintForwarded', 'AgencyResponseRecorded', 'ComplaintClosed'];

interface PushRecord {
  readonly status: LaporStatus;
  readonly outcome: 'DELIVERED' | 'REFUSED' | 'NO_TRACKING_ID';
  readonly httpStatus: number | null;
  readonly recordedAt: string;
}

/** The outbox of status updates to LAPOR, as a flow (run by a FlowRunner that retries without giving up). */
export function laporStatusFlow(deps: {
  readonly store: EventStore;
  readonly vault: KeyVault;
  readonly client: LaporClient;
  readonly logger: Logger;
  readonly now: () => string;
}): Flow {
  return {
    name: LAPOR_PUSH_FLOW,
    collections: [LAPOR_PUSHES_COLLECTION],
    filter: { streamPrefixes: [COMPLAINT_STREAM_PREFIX], eventTypes: LAPOR_STATUS_EVENT_TYPES },
    async handle(event, tx) {
      // Imported history is LAPOR's (or a file's) own: telling LAPOR would only echo it.
      if (event.metadata.imported) return;
      const complaintId = complaintIdFromStream(event.streamId);
      if (!complaintId) return;
      const [first] = await deps.store.readStream(complaintStreamId(complaintId), { maxCount: 1 });
      if (first?.type !== 'ComplaintReceived') return;
      const received = first.data as ComplaintReceived['data'];
      if (received.channel !== 'LAPOR') return;
      // A success recorded before (a replay of the flow from an older checkpoint) is not sent again.
      if (await tx.get<PushRecord>(LAPOR_PUSHES_COLLECTION, event.id)) return;
      const update = statusUpdate(event, received.trackingNumber);
      if (!update) return;
      const record = (outcome: PushRecord['outcome'], httpStatus: number | null) =>
        tx.put<PushRecord>(LAPOR_PUSHES_COLLECTION, event.id, {
          status: update.status,
          outcome,
          httpStatus,
          recordedAt: deps.now(),
        });
      const opened = received.sealedChannelReference
        ? await deps.vault.decrypt(received.sealedChannelReference.sealed)
        : received.channelReference;
      if (!opened || opened === ERASED) {
        deps.logger.warn(
          { complaintId, status: update.status },
          'a LAPOR status update has no tracking id to go to (erased or never given); not sent',
        );
        return record('NO_TRACKING_ID', null);
      }
      try {
        return record('DELIVERED', await deps.client.pushStatus(opened, update));
      } catch (err) {
        if (!(err instanceof LaporApiError) || err.retryable) throw err;
        // LAPOR will refuse it the same way every time: recorded, logged, and the outbox moves on.
        deps.logger.warn(
          { complaintId, status: update.status, httpStatus: err.status },
          'SP4N-LAPOR! refused a status update; it is not sent again',
        );
        return record('REFUSED', err.status ?? null);
      }
    },
  };
}
