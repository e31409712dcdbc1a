/**
 * One imported row → one whole case, in one append: the intake with its original receipt time, then
 * the history the source holds (verified and forwarded, responded, resolved and closed, or rejected),
 * each event at its original time (`occurredAt`, `data.at`) while the store records it now
 * (`recordedAt`). The whole sequence is decided before anything is claimed or sealed, so a bad row
 * burns no tracking number and never leaves a half-imported case.
 *
 * The complaint id follows from the channel and the source's own reference, so the same row imported
 * twice, or a LAPOR complaint that the pull worker already brought in, is "already present".
 */
import { createHash } from 'node:crypto';
import { CommandHandler, decideAll } from '../../shared/decider';
import { DomainError } from '../../shared/errors';
import type { Actor, EventStore } from '../../shared/eventstore/types';
import type { KeyVault } from '../../shared/pii/vault';
import type { ComplaintCommand } from '../domain/commands';
import { type Channel, complaintStreamId } from '../domain/constants';
import { complaintDecider } from '../domain/decider';
import type { ComplaintEvent } from '../domain/events';
import { type OfficerIntake, placeholderIntakeCommand, prepareComplaintIntake } from '../intake';
import type { ComplaintState } from '../domain/state';
import { TrackingNumberService } from '../tracking-number';
import type { AgencyDirectory } from '../agency-directory';
import type { ImportRecord } from './mapping';

/** Who the log says did what an import brings in: the history's real actors are not in the sources. */
export const IMPORT_ACTOR: Actor = { id: 'system:import', role: 'SYSTEM' };

const uuidFromKey = (key: string) => {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
};

/**
 * The complaint id of a complaint that came in with a channel's own reference (a LAPOR tracking id, an
 * e-mail Message-ID): one reference, one complaint, whichever path brought it in first.
 */
export const channelComplaintId = (channel: Channel, reference: string) =>
  uuidFromKey(`dumas:channel-complaint:${channel}:${reference}`);

export interface ImportProvenance {
  readonly source: string;
  /** SHA-256 (hex) of the whole file, and the row's line in it; absent for an exchange (LAPOR pull). */
  readonly fileDigest?: string;
  readonly line?: number;
}

export type ImportOutcome =
  | { readonly kind: 'imported'; readonly complaintId: string; readonly trackingNumber: string | null }
  | { readonly kind: 'present'; readonly complaintId: string }
  | { readonly kind: 'refused'; readonly reason: string };

const NO_RESPONSE_TEXT = 'Tindak lanjut tercatat di sumber data tanpa uraian.';
const NO_RESOLUTION_TEXT = 'Selesai menurut sumber data.';
const REJECTED_NOTE = 'Ditolak menurut sumber data.';

/** The history of a record as commands, each at its original time. Pure. */
export function historyCommands(
  record: ImportRecord,
  agencyIds: readonly string[],
  actor: Actor = IMPORT_ACTOR,
): ComplaintCommand[] {
  const at = (now: string) => ({ now, actor });
  const commands: ComplaintCommand[] = [];
  if (record.rejection) {
    commands.push({
      type: 'RejectComplaint',
      data: { reason: record.rejection.reason, note: REJECTED_NOTE },
      metadata: at(record.closedAt ?? record.receivedAt),
    });
    return commands;
  }
  if (record.forwardedAt) {
    commands.push(
      { type: 'VerifyComplaint', data: {}, metadata: at(record.forwardedAt) },
      { type: 'ForwardComplaint', data: { agencyIds }, metadata: at(record.forwardedAt) },
    );
  }
  if (record.respondedAt) {
    for (const agencyId of agencyIds) {
      commands.push({
        type: 'RecordAgencyResponse',
        data: { agencyId, response: record.response ?? NO_RESPONSE_TEXT },
        metadata: at(record.respondedAt),
      });
    }
  }
  if (record.closedAt) {
    commands.push(
      {
        type: 'ResolveComplaint',
        data: { resolution: record.response ?? NO_RESOLUTION_TEXT },
        metadata: at(record.closedAt),
      },
      { type: 'CloseComplaint', data: {}, metadata: at(record.closedAt) },
    );
  }
  return commands;
}

export class ComplaintImporter {
  private readonly handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>;
  private readonly trackingNumbers: TrackingNumberService;

  constructor(
    private readonly store: EventStore,
    private readonly vault: KeyVault,
    private readonly agencies: AgencyDirectory,
    private readonly actor: Actor = IMPORT_ACTOR,
  ) {
    this.handler = new CommandHandler(store, complaintDecider);
    this.trackingNumbers = new TrackingNumberService(store);
  }

  /** Imports one record; `dryRun` decides everything and writes nothing. Never throws a DomainError. */
  async importRecord(
    record: ImportRecord,
    provenance: ImportProvenance,
    options: { readonly dryRun?: boolean } = {},
  ): Promise<ImportOutcome> {
    const agencyIds: string[] = [];
    for (const name of record.agencies) {
      const id = this.agencies.resolve(name);
      if (!id) return { kind: 'refused', reason: 'an agency is not in the directory (by id or name)' };
      if (!agencyIds.includes(id)) agencyIds.push(id);
    }
    const complaintId = channelComplaintId(record.channel, record.reference);
    const streamId = complaintStreamId(complaintId);
    if ((await this.store.streamRevision(streamId)) !== undefined) return { kind: 'present', complaintId };

    const input = {
      complaintId,
      subject: record.subject,
      description: record.description,
      category: record.category,
      region: record.region,
      confidential: record.confidential,
      anonymous: record.anonymous,
      complainant: record.complainant,
    };
    const how: OfficerIntake = {
      kind: 'OFFICER',
      channel: record.channel,
      channelReference: record.reference,
      receivedAt: record.receivedAt,
      imported: { ...provenance, originalId: record.reference },
    };
    const context = { now: record.receivedAt, actor: this.actor };
    const history = historyCommands(record, agencyIds, this.actor);
    try {
      // The whole case, decided on placeholders: what would refuse it refuses it before any write.
      decideAll(complaintDecider, complaintDecider.initialState(), [
        placeholderIntakeCommand(input, how, context),
        ...history,
      ]);
      if (options.dryRun) return { kind: 'imported', complaintId, trackingNumber: null };
      const prepared = await prepareComplaintIntake(
        { vault: this.vault, trackingNumbers: this.trackingNumbers },
        input,
        how,
        context,
      );
      await this.handler.handleAll(streamId, [prepared.command, ...history], {
        caseId: complaintId,
        expectedRevision: 'no_stream',
        // A retry of the same append (a lost reply) is recognised by the store instead of doubled.
        eventIds: (i) => uuidFromKey(`dumas:import:${complaintId}:${i}`),
        // Every event of the case says where it came from; flows leave imported history alone.
        extraMetadata: { imported: provenance },
      });
      return { kind: 'imported', complaintId, trackingNumber: prepared.trackingNumber };
    } catch (err) {
      if (err instanceof DomainError) {
        // Another importer (or the LAPOR worker) created it meanwhile.
        if (err.code === 'CONFLICT' || err.code === 'INVALID_TRANSITION') {
          if ((await this.store.streamRevision(streamId)) !== undefined)
            return { kind: 'present', complaintId };
        }
        return { kind: 'refused', reason: err.message };
      }
      throw err;
    }
  }
}
