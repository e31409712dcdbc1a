/**
 * A case's history as an auditor or an agency may read it: every event of the case in log order with
 * its times, actor, summary and data, masked per role like the complaint itself.
 *
 * - Sealed blobs (the encrypted identity) leave as a marker for everyone: history never opens them, and
 *   ciphertext is no one's business outside the store. Access-code hashes never leave at all.
 * - Whoever may not see the identity on this complaint (DOMAIN.md's rule, `mayViewIdentity`) also loses
 *   the complainant's pseudonymous subject id and the channel reference, as on the complaint itself.
 * - AGENCY sees only cases forwarded to it, and in them only what concerns its own agency (./access.ts,
 *   `caseEventFor`, the rule the case-events feed applies too): other agencies' forwardings,
 *   acknowledgements, responses and letters are left out, and of its own letters only what
 *   `canSeeLetter` shows after each event (`letterSightAfter`): nothing before it was sent.
 */
import { LETTER_STREAM_PREFIX, type LetterSight, letterSightAfter } from '../correspondence/contract';
import { caseEventFor } from './access';
import type { RecordedEvent } from '../shared/eventstore/types';
import { isSealedValue } from '../shared/pii/sealed';
import {
  type ComplaintDocument,
  type ComplaintViewer,
  maskComplaintForViewer,
  mayViewIdentity,
} from '../complaint/contract';
import { summarizeEvent } from './summary';

export interface HistoryActor {
  readonly id: string;
  readonly role: string;
  readonly agencyId: string | null;
}

export interface HistoryEntry {
  readonly position: number;
  readonly streamId: string;
  readonly revision: number;
  readonly type: string;
  /** Domain time (imports keep their original time here). */
  readonly occurredAt: string;
  /** When the store recorded it. */
  readonly recordedAt: string;
  readonly actor: HistoryActor | null;
  readonly summary: string;
  /** The event's data as this viewer may see it. */
  readonly data: unknown;
}

/** What replaces a sealed blob in history. */
export const SEALED_MARKER = '[sealed]';

type Data = Record<string, unknown>;

/**
 * How the identity shows in history: `false` as sealed markers; `MASKED` for a viewer who may not see
 * it; `ERASED` for everyone once it was erased (legacy plaintext channel references go too).
 */
type IdentityShown = false | 'MASKED' | 'ERASED';

/** Copies a JSON value with sealed blobs replaced and access-code hashes dropped, at any depth. */
export function scrubEventData(value: unknown, hideIdentity: boolean): unknown {
  return scrub(value, hideIdentity ? 'MASKED' : false);
}

function scrub(value: unknown, hideIdentity: IdentityShown): unknown {
  if (Array.isArray(value)) return value.map((v) => scrub(v, hideIdentity));
  if (value === null || typeof value !== 'object') return value;
  if (isSealedValue(value)) return SEALED_MARKER;
  const out: Data = {};
  for (const [key, v] of Object.entries(value as Data)) {
    if (key === 'accessCodeHash') continue;
    if (hideIdentity) {
      if (key === 'complainant') {
        out[key] = v === null ? null : { access: hideIdentity };
        continue;
      }
      if (key === 'subjectId' || key === 'channelReference') {
        out[key] = null;
        continue;
      }
    }
    out[key] = scrub(v, hideIdentity);
  }
  return out;
}

/**
 * The case's events as this viewer may read them, or null when the viewer may not see the case at all.
 * `current` is the complaint's live document (its privacy flags and agencies decide the masking).
 */
export function maskCaseHistory(
  events: readonly RecordedEvent[],
  current: ComplaintDocument,
  viewer: ComplaintViewer,
): HistoryEntry[] | null {
  if (!maskComplaintForViewer(current, viewer)) return null;
  const hideIdentity: IdentityShown =
    current.complainant?.access === 'ERASED' ? 'ERASED' : mayViewIdentity(current, viewer) ? false : 'MASKED';
  /** Letter stream → what its events so far say about who may see it. */
  const sights = new Map<string, LetterSight | undefined>();
  const out: HistoryEntry[] = [];
  for (const event of events) {
    const letter = event.streamId.startsWith(LETTER_STREAM_PREFIX);
    if (letter) sights.set(event.streamId, letterSightAfter(sights.get(event.streamId), event));
    const scrubbed = scrub(event.data, hideIdentity) as Data;
    const data = caseEventFor(viewer, scrubbed, letter ? { sight: sights.get(event.streamId) } : undefined);
    if (!data) continue;
    const actor = event.metadata.actor;
    out.push({
      position: event.position,
      streamId: event.streamId,
      revision: event.revision,
      type: event.type,
      occurredAt: event.metadata.occurredAt,
      recordedAt: event.recordedAt,
      actor: actor ? { id: actor.id, role: actor.role, agencyId: actor.agencyId ?? null } : null,
      summary: summarizeEvent({ type: event.type, data }),
      data,
    });
  }
  return out;
}

export interface HistoryPage {
  readonly entries: readonly HistoryEntry[];
  readonly hasNextPage: boolean;
  readonly totalCount: number;
}

/** A page of entries after a log position (exclusive), in log order. */
export function pageOfHistory(
  entries: readonly HistoryEntry[],
  first: number,
  afterPosition = 0,
): HistoryPage {
  const rest = entries.filter((e) => e.position > afterPosition);
  return {
    entries: rest.slice(0, first),
    hasNextPage: rest.length > first,
    totalCount: entries.length,
  };
}
