import { randomUUID } from 'node:crypto';
import type { CommandHandler, HandleOptions, HandleResult } from '../shared/decider';
import { DomainError } from '../shared/errors';
import type { Actor } from '../shared/eventstore/types';
import {
  type ComplainantIdentityInput,
  sealComplainantIdentity,
  validateComplainantIdentity,
} from '../shared/pii/identity';
import type { SealedValue } from '../shared/pii/sealed';
import type { KeyVault } from '../shared/pii/vault';
import { type AccessCodeHasher, generateAccessCode } from '../shared/access-code';
import type {
  ComplaintCommand,
  ComplaintIntakeData,
  EraseComplainantData,
  FileComplaint,
  ReceiveComplaint,
} from './domain/commands';
import { complaintStreamId } from './domain/constants';
import { complaintDecider } from './domain/decider';
import type { ComplaintEvent } from './domain/events';
import type { ComplaintState } from './domain/state';
import { type TrackingNumberService, trackingYear } from './tracking-number';

/**
 * The I/O around an intake that a pure decider cannot do: seal the identity with the vault, claim a
 * tracking number, issue the access code. Everything cheap is validated first (a dry run of the decider
 * with placeholders), so bad input burns neither a tracking number nor a vault key.
 */

/** What the API's FileComplaintInput carries, before sealing and numbering. */
export interface ComplaintIntakeInput {
  /** Given by the caller to make retries idempotent (e.g. derived from an idempotency key). */
  readonly complaintId?: string;
  readonly subject: string;
  readonly description: string;
  readonly category?: string | null;
  readonly region?: string | null;
  readonly confidential?: boolean | null;
  readonly anonymous?: boolean | null;
  readonly complainant?: ComplainantIdentityInput | null;
  /** The digest binding an idempotency key to this request (see ComplaintService.intake). */
  readonly intakeDigest?: string | null;
  /** The complainant's data subject, when the caller created its key beforehand (KeyVault.newSubjects). */
  readonly subjectId?: string;
}

export type PublicIntake = { readonly kind: 'PUBLIC' };
export type OfficerIntake = {
  readonly kind: 'OFFICER';
  readonly channel: ReceiveComplaint['data']['channel'];
  readonly channelReference?: string | null;
  /** Bulk import only: the original time of receipt and the provenance. */
  readonly receivedAt?: string;
  readonly imported?: ReceiveComplaint['data']['imported'];
  /** Officers hand the complainant an access code on request (e.g. a walk-in who wants to track online). */
  readonly issueAccessCode?: boolean;
  /**
   * A code a channel adapter derived for this complaint (see services/channels/intake.ts), so its
   * acknowledgement can be sent again after a restart; issued like any other (only its hash is kept).
   */
  readonly accessCode?: string;
};

export interface PreparedIntake {
  readonly command: FileComplaint | ReceiveComplaint;
  readonly complaintId: string;
  readonly trackingNumber: string;
  /** Shown once to the complainant and never stored; null when none was issued. */
  readonly accessCode: string | null;
}

/** An intake validated, sealed and coded, waiting only for its tracking number. */
export interface SealedIntake {
  readonly complaintId: string;
  /** The year its tracking number belongs to (WIB year of receipt). */
  readonly year: number;
  /** Shown once to the complainant and never stored; null when none was issued. */
  readonly accessCode: string | null;
  build(trackingNumber: string): FileComplaint | ReceiveComplaint;
}

export interface IntakeServices {
  /** The vault, or a batch of new subjects' keys (KeyVault.newSubjects). */
  readonly vault: Pick<KeyVault, 'encrypt'>;
  /** Needed when the intake issues an access code (public filing, or an officer asked for one). */
  readonly accessCodes?: AccessCodeHasher;
}

const PLACEHOLDER_SEALED: SealedValue = {
  v: 1,
  alg: 'A256GCM',
  keyId: 'placeholder-key',
  iv: 'AAAAAAAAAAAAAAAA',
  ciphertext: '',
  tag: 'AAAAAAAAAAAAAAAAAAAAAA==',
};

const placeholderOf = (
  build: (
    trackingNumber: string,
    sealed: SealedValue | null,
    accessCodeHash: string | null,
  ) => FileComplaint | ReceiveComplaint,
  withComplainant: boolean,
) => build('DUMAS-2000-000000', withComplainant ? PLACEHOLDER_SEALED : null, null);

/**
 * The intake command as it will be, with a placeholder tracking number and sealed identity: lets a caller
 * decide a whole sequence (an imported case's history) before claiming or creating anything.
 */
export function placeholderIntakeCommand(
  input: ComplaintIntakeInput & { readonly complaintId: string },
  how: OfficerIntake,
  context: { readonly now: string; readonly actor: Actor },
): ReceiveComplaint {
  if (input.complainant) validateComplainantIdentity(input.complainant);
  return intakeBuilder(
    input,
    input.complaintId,
    randomUUID(),
    how,
    context,
  )('DUMAS-2000-000000', input.complainant ? PLACEHOLDER_SEALED : null, null) as ReceiveComplaint;
}

function intakeBuilder(
  input: ComplaintIntakeInput,
  complaintId: string,
  subjectId: string,
  how: PublicIntake | OfficerIntake,
  context: { readonly now: string; readonly actor: Actor },
) {
  return (
    trackingNumber: string,
    sealed: SealedValue | null,
    accessCodeHash: string | null,
    sealedReference: SealedValue | null = null,
  ): FileComplaint | ReceiveComplaint => {
    const data: ComplaintIntakeData = {
      complaintId,
      trackingNumber,
      subject: input.subject,
      description: input.description,
      category: input.category ?? null,
      region: input.region ?? null,
      confidential: input.confidential ?? false,
      anonymous: input.anonymous ?? false,
      complainant: sealed ? { subjectId, sealed } : null,
      accessCodeHash,
      ...(input.intakeDigest ? { intakeDigest: input.intakeDigest } : {}),
    };
    const metadata = { now: context.now, actor: context.actor };
    if (how.kind === 'PUBLIC') return { type: 'FileComplaint', data, metadata };
    return {
      type: 'ReceiveComplaint',
      data: {
        ...data,
        channel: how.channel,
        channelReference: how.channelReference ?? null,
        ...(sealedReference ? { sealedChannelReference: { subjectId, sealed: sealedReference } } : {}),
        ...(how.receivedAt !== undefined ? { receivedAt: how.receivedAt } : {}),
        imported: how.imported ?? null,
      },
      metadata,
    };
  };
}

/**
 * Everything of an intake but its tracking number: the number is claimed in the same append as the
 * complaint (ComplaintService.intake), or before it where the store cannot do both at once.
 */
export async function sealComplaintIntake(
  services: IntakeServices,
  input: ComplaintIntakeInput,
  how: PublicIntake | OfficerIntake,
  context: { readonly now: string; readonly actor: Actor },
  options: {
    /**
     * The caller decides the built command before anything is written (a bulk import whose keys exist
     * only in memory until its commit), so the dry run here would decide the intake a second time.
     */
    readonly decidedAfter?: boolean;
  } = {},
): Promise<SealedIntake> {
  const complaintId = input.complaintId ?? randomUUID();
  const subjectId = input.subjectId ?? randomUUID();
  const complainantInput = input.complainant ?? null;
  if (complainantInput) validateComplainantIdentity(complainantInput);

  const build = intakeBuilder(input, complaintId, subjectId, how, context);

  // Dry run: throws the same BAD_USER_INPUT the real command would, before anything is claimed or created.
  if (!options.decidedAfter)
    complaintDecider.decide(placeholderOf(build, complainantInput !== null), { status: 'NONE' });

  const issueCode = how.kind === 'PUBLIC' || how.issueAccessCode === true;
  const accessCode =
    how.kind === 'OFFICER' && how.accessCode ? how.accessCode : issueCode ? generateAccessCode() : null;
  if (accessCode && !services.accessCodes) throw new Error('issuing an access code needs the hasher');
  const accessCodeHash = accessCode ? services.accessCodes!.hash(accessCode) : null;
  const reference = how.kind === 'OFFICER' ? how.channelReference?.trim() || null : null;
  const [sealed, sealedReference] = await Promise.all([
    complainantInput
      ? sealComplainantIdentity(services.vault, subjectId, complainantInput)
      : Promise.resolve(null),
    // Sealed under the same subject as the identity, so one erasure seals both.
    reference ? services.vault.encrypt(subjectId, reference) : Promise.resolve(null),
  ]);
  return {
    complaintId,
    year: trackingYear(how.kind === 'OFFICER' && how.receivedAt ? how.receivedAt : context.now),
    accessCode,
    build: (trackingNumber) => build(trackingNumber, sealed, accessCodeHash, sealedReference),
  };
}

/** An intake with its tracking number claimed in an append of its own (seed, stores without appendMany). */
export async function prepareComplaintIntake(
  services: IntakeServices & { readonly trackingNumbers: TrackingNumberService },
  input: ComplaintIntakeInput,
  how: PublicIntake | OfficerIntake,
  context: { readonly now: string; readonly actor: Actor },
): Promise<PreparedIntake> {
  const intake = await sealComplaintIntake(services, input, how, context);
  const trackingNumber = await services.trackingNumbers.claim(intake.complaintId, intake.year, context);
  return {
    command: intake.build(trackingNumber),
    complaintId: intake.complaintId,
    trackingNumber,
    accessCode: intake.accessCode,
  };
}

/**
 * Erasure in the order that cannot lose it: destroy the subject's key first (idempotent, immediate for
 * every read), then record the erasure. A crash in between leaves the data unreadable and a retry records it.
 */
export async function eraseComplainantData(
  handler: CommandHandler<ComplaintCommand, ComplaintEvent, ComplaintState>,
  vault: KeyVault,
  complaintId: string,
  command: EraseComplainantData,
  options: HandleOptions = {},
): Promise<HandleResult<ComplaintState, ComplaintEvent>> {
  const streamId = complaintStreamId(complaintId);
  const { state } = await handler.load(streamId);
  if (state.status === 'NONE') throw new DomainError('NOT_FOUND', 'complaint not found', { id: complaintId });
  // Let the decider refuse bad input (e.g. no reason) before the irreversible step.
  complaintDecider.decide(command, state);
  if (state.complainant) await vault.destroy(state.complainant.subjectId);
  return handler.handle(streamId, command, { caseId: complaintId, ...options });
}
