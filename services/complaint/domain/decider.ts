import type { Decider } from '../../shared/decider';
import { badInput, DomainError, invalidTransition } from '../../shared/errors';
import { isSealedValue } from '../../shared/pii/sealed';
import type {
  ComplaintCommand,
  ComplaintCommandType,
  ComplaintIntakeData,
  ReceiveComplaint,
  SealedComplainant,
} from './commands';
import {
  AGENCY_RESPONSE_OUTCOMES,
  CHANNELS,
  CHANNELS_NEEDING_REFERENCE,
  type Channel,
  type ComplaintStatus,
  type IntakeKind,
  REJECTION_REASONS,
  TRACKING_NUMBER_PATTERN,
} from './constants';
import type { ComplaintEvent, ComplaintReceived, ForwardingRef } from './events';
import {
  type ComplaintFacts,
  type ComplaintState,
  type ExistingComplaint,
  type Forwarding,
  factsOf,
} from './state';
import {
  agencyIdList,
  oneOf,
  optionalText,
  requiredAgencyId,
  requiredBoolean,
  requiredEntityId,
  requiredInstant,
  requiredText,
} from '../../shared/validation';
import { LIMITS } from './validation';

/**
 * The complaint lifecycle of DOMAIN.md as a pure decider.
 *
 * ```
 * RECEIVED ─verify→ VERIFIED ─forward→ FORWARDED ─acknowledge→ IN_FOLLOW_UP ─respond→ RESPONDED
 * RECEIVED ─request information→ AWAITING_INFORMATION ─information provided→ RECEIVED
 * RECEIVED | AWAITING_INFORMATION ─reject→ REJECTED
 * FORWARDED ─respond→ RESPONDED (or IN_FOLLOW_UP while other agencies have not responded)
 * RESPONDED ─insufficient→ FORWARDED      RESPONDED ─resolve→ RESOLVED ─close→ CLOSED
 * REJECTED ─reopen→ RECEIVED              RESOLVED | CLOSED ─reopen→ VERIFIED
 * ```
 * Decisions beyond the diagram, and why:
 * - Rejection is also allowed while AWAITING_INFORMATION: INCOMPLETE is exactly the outcome when the
 *   complainant never supplies what was asked.
 * - With several agencies the complaint is RESPONDED only once every current forwarding has responded;
 *   until then any acknowledgement or response makes it IN_FOLLOW_UP.
 * - Reopening a REJECTED complaint returns it to RECEIVED: the rejection was a verification decision,
 *   so the complaint is verified afresh. Reopening a RESOLVED or CLOSED complaint returns it to VERIFIED:
 *   it was verified already, and the officer forwards it again (to the same or other agencies) as a new
 *   round with new forwardings and clocks; earlier forwardings stay in the record and their agencies keep
 *   seeing the complaint.
 * - Privacy flags and erasure are not transitions: they are allowed in every state of an existing complaint.
 */

/** How each command is named in INVALID_TRANSITION errors ("cannot verify when the state is CLOSED"). */
export const REQUESTED_ACTION: Readonly<Record<ComplaintCommandType, string>> = {
  FileComplaint: 'file',
  ReceiveComplaint: 'receive',
  RequestInformation: 'request information',
  ProvideInformation: 'provide information',
  VerifyComplaint: 'verify',
  RejectComplaint: 'reject',
  ForwardComplaint: 'forward',
  AcknowledgeComplaint: 'acknowledge',
  RecordAgencyResponse: 'record an agency response',
  MarkResponseInsufficient: 'mark a response insufficient',
  ResolveComplaint: 'resolve',
  CloseComplaint: 'close',
  ReopenComplaint: 'reopen',
  SetComplaintPrivacy: 'set privacy',
  EraseComplainantData: 'erase complainant data',
  AddComplainantMessage: 'add a complainant message to',
};

const EVERY_STATUS: readonly ComplaintStatus[] = [
  'RECEIVED',
  'AWAITING_INFORMATION',
  'VERIFIED',
  'FORWARDED',
  'IN_FOLLOW_UP',
  'RESPONDED',
  'RESOLVED',
  'CLOSED',
  'REJECTED',
];

/**
 * The states from which each command may be given ('NONE': no complaint yet). Acknowledge and respond
 * are further limited per forwarding (an agency that has already acknowledged / responded cannot again).
 */
export const ALLOWED_FROM: Readonly<Record<ComplaintCommandType, readonly (ComplaintStatus | 'NONE')[]>> = {
  FileComplaint: ['NONE'],
  ReceiveComplaint: ['NONE'],
  RequestInformation: ['RECEIVED'],
  ProvideInformation: ['AWAITING_INFORMATION'],
  VerifyComplaint: ['RECEIVED'],
  RejectComplaint: ['RECEIVED', 'AWAITING_INFORMATION'],
  ForwardComplaint: ['VERIFIED'],
  AcknowledgeComplaint: ['FORWARDED', 'IN_FOLLOW_UP'],
  RecordAgencyResponse: ['FORWARDED', 'IN_FOLLOW_UP'],
  MarkResponseInsufficient: ['RESPONDED'],
  ResolveComplaint: ['RESPONDED'],
  CloseComplaint: ['RESOLVED'],
  ReopenComplaint: ['RESOLVED', 'CLOSED', 'REJECTED'],
  SetComplaintPrivacy: EVERY_STATUS,
  EraseComplainantData: EVERY_STATUS,
  AddComplainantMessage: EVERY_STATUS,
};

/** The commands the lifecycle allows in a state (e.g. for the console's action buttons). */
export function availableCommands(state: ComplaintState): ComplaintCommandType[] {
  return (Object.keys(ALLOWED_FROM) as ComplaintCommandType[]).filter((type) =>
    ALLOWED_FROM[type].includes(state.status),
  );
}

const complaintNotFound = () => new DomainError('NOT_FOUND', 'complaint not found');

function requireStatus<S extends ComplaintStatus>(
  state: ComplaintState,
  command: ComplaintCommand,
  allowed: readonly S[],
): Extract<ExistingComplaint, { status: S }> {
  if (state.status === 'NONE') throw complaintNotFound();
  if (!(allowed as readonly string[]).includes(state.status)) {
    throw invalidTransition(state.status, REQUESTED_ACTION[command.type]);
  }
  return state as Extract<ExistingComplaint, { status: S }>;
}

const actorOf = (command: ComplaintCommand): string =>
  requiredEntityId(command.metadata.actor?.id, 'metadata.actor.id');
const nowOf = (command: ComplaintCommand): string => requiredInstant(command.metadata.now, 'metadata.now');

function sealedComplainant(value: SealedComplainant | null | undefined): SealedComplainant | null {
  if (value === undefined || value === null) return null;
  const subjectId = requiredEntityId(value.subjectId, 'complainant.subjectId');
  // The resolver seals the identity with the KeyVault; plaintext identity never reaches an event.
  if (!isSealedValue(value.sealed)) {
    throw badInput('complainant must be sealed with the key vault before it reaches the complaint', {
      field: 'complainant.sealed',
    });
  }
  return { subjectId, sealed: value.sealed };
}

function receive(
  data: ComplaintIntakeData,
  command: ComplaintCommand,
  state: ComplaintState,
  intake: IntakeKind,
  channel: Channel,
  channelReference: string | null,
  receivedAt: string | null,
  imported: ComplaintReceived['data']['imported'],
  sealedReference: SealedComplainant | null = null,
): ComplaintEvent[] {
  if (state.status !== 'NONE') throw invalidTransition(state.status, REQUESTED_ACTION[command.type]);
  const at = nowOf(command);
  const trackingNumber = typeof data.trackingNumber === 'string' ? data.trackingNumber : '';
  if (!TRACKING_NUMBER_PATTERN.test(trackingNumber)) {
    throw badInput('trackingNumber must look like DUMAS-<year>-<6 digits>', { field: 'trackingNumber' });
  }
  if (CHANNELS_NEEDING_REFERENCE.includes(channel) && channelReference === null) {
    throw badInput(`channelReference is required for the ${channel} channel`, {
      field: 'channelReference',
      channel,
    });
  }
  const received = receivedAt ?? at;
  if (Date.parse(received) > Date.parse(at)) {
    throw badInput('receivedAt must not be in the future', { field: 'receivedAt' });
  }
  const accessCodeHash = optionalText(data.accessCodeHash, 'accessCodeHash', 512);
  const intakeDigest = optionalText(data.intakeDigest, 'intakeDigest', 128);
  return [
    {
      type: 'ComplaintReceived',
      data: {
        complaintId: requiredEntityId(data.complaintId, 'complaintId'),
        trackingNumber,
        intake,
        channel,
        channelReference: sealedReference ? null : channelReference,
        ...(sealedReference ? { sealedChannelReference: sealedReference } : {}),
        subject: requiredText(data.subject, 'subject', LIMITS.subject),
        description: requiredText(data.description, 'description', LIMITS.description),
        category: optionalText(data.category, 'category', LIMITS.classification),
        region: optionalText(data.region, 'region', LIMITS.classification),
        confidential: requiredBoolean(data.confidential, 'confidential'),
        anonymous: requiredBoolean(data.anonymous, 'anonymous'),
        complainant: sealedComplainant(data.complainant),
        accessCodeHash,
        receivedAt: received,
        // The original id of an import is its channel reference: where that is sealed (it may be a
        // sender's address or number), it is not written a second time in plaintext.
        imported:
          imported && sealedReference && imported.originalId === channelReference
            ? { ...imported, originalId: null }
            : imported,
        by: intake === 'PUBLIC' ? null : actorOf(command),
        at,
        ...(intakeDigest ? { intakeDigest } : {}),
      },
    },
  ];
}

/** Where in which file an imported complaint came from: the file's SHA-256 and the row's line. */
function importedFile(imported: NonNullable<ReceiveComplaint['data']['imported']>) {
  if (imported.fileDigest === undefined || imported.fileDigest === null) return {};
  if (typeof imported.fileDigest !== 'string' || !/^[0-9a-f]{64}$/.test(imported.fileDigest))
    throw badInput('imported.fileDigest must be a SHA-256 in hex', { field: 'imported.fileDigest' });
  if (!Number.isInteger(imported.line) || (imported.line as number) < 1)
    throw badInput('imported.line must be a positive whole number', { field: 'imported.line' });
  return { fileDigest: imported.fileDigest, line: imported.line as number };
}

function forwardingId(state: ComplaintFacts, agency: string, extra = 0): string {
  return `${agency}/${(state.forwardingCounts[agency] ?? 0) + 1 + extra}`;
}

/** The forwarding an agency is acting on: it must be one of the current round. */
function currentForwarding(state: ExistingComplaint, agency: string): Forwarding {
  const forwarding = state.forwardings.find((f) => f.agencyId === agency);
  if (!forwarding) {
    throw badInput(`the complaint has no current forwarding to agency ${agency}`, {
      field: 'agencyId',
      agencyId: agency,
    });
  }
  return forwarding;
}

function decide(command: ComplaintCommand, state: ComplaintState): readonly ComplaintEvent[] {
  switch (command.type) {
    case 'FileComplaint':
      // The public form is the WEB channel by definition; its reference is the tracking number itself.
      return receive(command.data, command, state, 'PUBLIC', 'WEB', null, null, null);

    case 'ReceiveComplaint': {
      const { data } = command;
      const channel = oneOf(data.channel, CHANNELS, 'channel');
      const channelReference = optionalText(
        data.channelReference,
        'channelReference',
        LIMITS.channelReference,
      );
      let imported: ComplaintReceived['data']['imported'] = null;
      if (data.imported) {
        imported = {
          source: requiredText(data.imported.source, 'imported.source', LIMITS.classification),
          originalId: optionalText(data.imported.originalId, 'imported.originalId', LIMITS.channelReference),
          ...importedFile(data.imported),
        };
      }
      const receivedAt =
        data.receivedAt === undefined ? null : requiredInstant(data.receivedAt, 'receivedAt');
      // Only an import may date a complaint back: an officer's intake happens now.
      if (receivedAt !== null && !imported && receivedAt !== nowOf(command)) {
        throw badInput('receivedAt may only be given for an imported complaint', { field: 'receivedAt' });
      }
      return receive(
        data,
        command,
        state,
        imported ? 'IMPORT' : 'OFFICER',
        channel,
        channelReference,
        receivedAt,
        imported,
        sealedComplainant(data.sealedChannelReference),
      );
    }

    case 'RequestInformation': {
      requireStatus(state, command, ['RECEIVED']);
      const question = requiredText(command.data.question, 'question', LIMITS.note);
      return [{ type: 'InformationRequested', data: { question, by: actorOf(command), at: nowOf(command) } }];
    }

    case 'ProvideInformation': {
      requireStatus(state, command, ['AWAITING_INFORMATION']);
      const information = requiredText(command.data.information, 'information', LIMITS.longText);
      return [
        { type: 'InformationProvided', data: { information, by: actorOf(command), at: nowOf(command) } },
      ];
    }

    case 'VerifyComplaint': {
      const current = requireStatus(state, command, ['RECEIVED']);
      const category =
        optionalText(command.data.category, 'category', LIMITS.classification) ?? current.category;
      const region = optionalText(command.data.region, 'region', LIMITS.classification) ?? current.region;
      const note = optionalText(command.data.note, 'note', LIMITS.note);
      return [
        {
          type: 'ComplaintVerified',
          data: { category, region, note, by: actorOf(command), at: nowOf(command) },
        },
      ];
    }

    case 'RejectComplaint': {
      const current = requireStatus(state, command, ['RECEIVED', 'AWAITING_INFORMATION']);
      const reason = oneOf(command.data.reason, REJECTION_REASONS, 'reason');
      const note = requiredText(command.data.note, 'note', LIMITS.note);
      let duplicateOf: string | null = null;
      if (command.data.duplicateOf !== undefined && command.data.duplicateOf !== null) {
        if (reason !== 'DUPLICATE') {
          throw badInput('duplicateOf may only be given with reason DUPLICATE', { field: 'duplicateOf' });
        }
        duplicateOf = requiredEntityId(command.data.duplicateOf, 'duplicateOf');
        if (duplicateOf === current.id) {
          throw badInput('a complaint cannot be a duplicate of itself', { field: 'duplicateOf' });
        }
      }
      return [
        {
          type: 'ComplaintRejected',
          data: { reason, note, duplicateOf, by: actorOf(command), at: nowOf(command) },
        },
      ];
    }

    case 'ForwardComplaint': {
      const current = requireStatus(state, command, ['VERIFIED']);
      const agencies = agencyIdList(command.data.agencyIds, 'agencyIds', LIMITS.maxAgencies);
      const note = optionalText(command.data.note, 'note', LIMITS.note);
      const forwardings: ForwardingRef[] = agencies.map((agency) => ({
        forwardingId: forwardingId(current, agency),
        agencyId: agency,
      }));
      const rule = command.data.routingRuleId;
      return [
        {
          type: 'ComplaintForwarded',
          data: {
            forwardings,
            note,
            ...(rule === undefined || rule === null
              ? {}
              : { routingRuleId: requiredEntityId(rule, 'routingRuleId') }),
            by: actorOf(command),
            at: nowOf(command),
          },
        },
      ];
    }

    case 'AcknowledgeComplaint': {
      const current = requireStatus(state, command, ['FORWARDED', 'IN_FOLLOW_UP']);
      const agency = requiredAgencyId(command.data.agencyId, 'agencyId');
      const forwarding = currentForwarding(current, agency);
      if (forwarding.status !== 'FORWARDED') {
        throw invalidTransition(forwarding.status, REQUESTED_ACTION[command.type], {
          complaintState: current.status,
          agencyId: agency,
        });
      }
      const note = optionalText(command.data.note, 'note', LIMITS.note);
      return [
        {
          type: 'ComplaintAcknowledged',
          data: {
            forwardingId: forwarding.forwardingId,
            agencyId: agency,
            note,
            by: actorOf(command),
            at: nowOf(command),
          },
        },
      ];
    }

    case 'RecordAgencyResponse': {
      const current = requireStatus(state, command, ['FORWARDED', 'IN_FOLLOW_UP']);
      const agency = requiredAgencyId(command.data.agencyId, 'agencyId');
      const forwarding = currentForwarding(current, agency);
      if (forwarding.status === 'RESPONDED') {
        throw invalidTransition(forwarding.status, REQUESTED_ACTION[command.type], {
          complaintState: current.status,
          agencyId: agency,
        });
      }
      const response = requiredText(command.data.response, 'response', LIMITS.longText);
      const outcome =
        command.data.outcome === undefined || command.data.outcome === null
          ? 'FOLLOWED_UP'
          : oneOf(command.data.outcome, AGENCY_RESPONSE_OUTCOMES, 'outcome');
      const allResponded = current.forwardings.every(
        (f) => f.agencyId === agency || f.status === 'RESPONDED',
      );
      return [
        {
          type: 'AgencyResponseRecorded',
          data: {
            forwardingId: forwarding.forwardingId,
            agencyId: agency,
            response,
            outcome,
            allResponded,
            by: actorOf(command),
            at: nowOf(command),
          },
        },
      ];
    }

    case 'MarkResponseInsufficient': {
      const current = requireStatus(state, command, ['RESPONDED']);
      const agencies = agencyIdList(command.data.agencyIds, 'agencyIds', LIMITS.maxAgencies);
      const note = requiredText(command.data.note, 'note', LIMITS.note);
      const forwardings = agencies.map((agency) => ({
        previousForwardingId: currentForwarding(current, agency).forwardingId,
        forwardingId: forwardingId(current, agency),
        agencyId: agency,
      }));
      return [
        {
          type: 'AgencyResponseMarkedInsufficient',
          data: { forwardings, note, by: actorOf(command), at: nowOf(command) },
        },
      ];
    }

    case 'ResolveComplaint': {
      requireStatus(state, command, ['RESPONDED']);
      const resolution = requiredText(command.data.resolution, 'resolution', LIMITS.longText);
      return [{ type: 'ComplaintResolved', data: { resolution, by: actorOf(command), at: nowOf(command) } }];
    }

    case 'CloseComplaint': {
      requireStatus(state, command, ['RESOLVED']);
      const note = optionalText(command.data.note, 'note', LIMITS.note);
      return [{ type: 'ComplaintClosed', data: { note, by: actorOf(command), at: nowOf(command) } }];
    }

    case 'ReopenComplaint': {
      const current = requireStatus(state, command, ['RESOLVED', 'CLOSED', 'REJECTED']);
      const reason = requiredText(command.data.reason, 'reason', LIMITS.note);
      const to = current.status === 'REJECTED' ? 'RECEIVED' : 'VERIFIED';
      return [
        {
          type: 'ComplaintReopened',
          data: { reason, from: current.status, to, by: actorOf(command), at: nowOf(command) },
        },
      ];
    }

    case 'SetComplaintPrivacy': {
      const current = requireStatus(state, command, EVERY_STATUS);
      const { data } = command;
      const confidential =
        data.confidential === undefined || data.confidential === null
          ? current.confidential
          : requiredBoolean(data.confidential, 'confidential');
      const anonymous =
        data.anonymous === undefined || data.anonymous === null
          ? current.anonymous
          : requiredBoolean(data.anonymous, 'anonymous');
      const reason = optionalText(data.reason, 'reason', LIMITS.note);
      // Setting what is already set changes nothing, so there is nothing to record.
      if (confidential === current.confidential && anonymous === current.anonymous) return [];
      return [
        {
          type: 'ComplaintPrivacyChanged',
          data: {
            confidential,
            anonymous,
            previous: { confidential: current.confidential, anonymous: current.anonymous },
            reason,
            by: actorOf(command),
            at: nowOf(command),
          },
        },
      ];
    }

    case 'EraseComplainantData': {
      const current = requireStatus(state, command, EVERY_STATUS);
      const reason = requiredText(command.data.reason, 'reason', LIMITS.note);
      // No identity, or erased already: a retry after the key was destroyed records nothing twice.
      if (current.complainant === null || current.complainant.erased) return [];
      return [
        {
          type: 'ComplainantDataErased',
          data: {
            subjectId: current.complainant.subjectId,
            reason,
            by: actorOf(command),
            at: nowOf(command),
          },
        },
      ];
    }

    case 'AddComplainantMessage': {
      requireStatus(state, command, EVERY_STATUS);
      const { data } = command;
      const channel = oneOf(data.channel, CHANNELS, 'channel');
      const channelReference = requiredText(
        data.channelReference,
        'channelReference',
        LIMITS.channelReference,
      );
      const text = optionalText(data.text, 'text', LIMITS.longText);
      const attachments = (data.attachments ?? []).map((a, i) => ({
        sha256: requiredText(a.sha256, `attachments[${i}].sha256`, 64),
        filename: requiredText(a.filename, `attachments[${i}].filename`, LIMITS.classification * 2),
        mediaType: requiredText(a.mediaType, `attachments[${i}].mediaType`, LIMITS.classification),
        size: a.size,
      }));
      if (text === null && attachments.length === 0)
        throw badInput('a complainant message needs a text or an attachment', { field: 'text' });
      const by = actorOf(command);
      const at = nowOf(command);
      const events: ComplaintEvent[] = [];
      // The case waits for the complainant: this message is the information asked for, and the clocks run.
      if (state.status === 'AWAITING_INFORMATION' && text !== null)
        events.push({ type: 'InformationProvided', data: { information: text, by, at } });
      if (events.length === 0 || attachments.length > 0)
        events.push({
          type: 'ComplainantMessageReceived',
          data: {
            channel,
            channelReference: data.sealedChannelReference ? null : channelReference,
            ...(data.sealedChannelReference ? { sealedChannelReference: data.sealedChannelReference } : {}),
            text: events.length ? null : text,
            attachments,
            by,
            at,
          },
        });
      return events;
    }

    default: {
      const unknown: never = command;
      throw badInput(`unknown command ${(unknown as { type: string }).type}`);
    }
  }
}

function respondedStatus(forwardings: readonly Forwarding[]): 'RESPONDED' | 'IN_FOLLOW_UP' {
  return forwardings.every((f) => f.status === 'RESPONDED') ? 'RESPONDED' : 'IN_FOLLOW_UP';
}

function evolve(state: ComplaintState, event: ComplaintEvent): ComplaintState {
  if (event.type === 'ComplaintReceived') {
    const d = event.data;
    return {
      status: 'RECEIVED',
      id: d.complaintId,
      trackingNumber: d.trackingNumber,
      channel: d.channel,
      receivedAt: d.receivedAt,
      category: d.category,
      region: d.region,
      confidential: d.confidential,
      anonymous: d.anonymous,
      // The data subject: whose key seals the identity and the channel reference (erasure destroys it).
      complainant: d.complainant
        ? { subjectId: d.complainant.subjectId, erased: false }
        : d.sealedChannelReference
          ? { subjectId: d.sealedChannelReference.subjectId, erased: false }
          : null,
      forwardings: [],
      forwardingCounts: {},
      agencyIdsEverForwarded: [],
    };
  }
  // Every other event needs a complaint; a stream that does not start with one is left as it is.
  if (state.status === 'NONE') return state;
  const facts = factsOf(state);
  switch (event.type) {
    case 'InformationRequested':
      return { ...facts, status: 'AWAITING_INFORMATION', informationRequestedAt: event.data.at };
    case 'InformationProvided':
      return { ...facts, status: 'RECEIVED' };
    case 'ComplaintVerified':
      return { ...facts, status: 'VERIFIED', category: event.data.category, region: event.data.region };
    case 'ComplaintRejected':
      return { ...facts, status: 'REJECTED', rejection: { reason: event.data.reason, at: event.data.at } };
    case 'ComplaintForwarded': {
      const counts = { ...facts.forwardingCounts };
      const forwardings = event.data.forwardings.map((ref): Forwarding => {
        counts[ref.agencyId] = (counts[ref.agencyId] ?? 0) + 1;
        return {
          forwardingId: ref.forwardingId,
          agencyId: ref.agencyId,
          status: 'FORWARDED',
          forwardedAt: event.data.at,
          acknowledgedAt: null,
          respondedAt: null,
        };
      });
      const ever = [...facts.agencyIdsEverForwarded];
      for (const ref of event.data.forwardings) if (!ever.includes(ref.agencyId)) ever.push(ref.agencyId);
      return {
        ...facts,
        status: 'FORWARDED',
        forwardings,
        forwardingCounts: counts,
        agencyIdsEverForwarded: ever,
      };
    }
    case 'ComplaintAcknowledged': {
      const forwardings = facts.forwardings.map((f) =>
        f.forwardingId === event.data.forwardingId
          ? { ...f, status: 'ACKNOWLEDGED' as const, acknowledgedAt: event.data.at }
          : f,
      );
      return { ...facts, status: 'IN_FOLLOW_UP', forwardings };
    }
    case 'AgencyResponseRecorded': {
      const forwardings = facts.forwardings.map((f) =>
        f.forwardingId === event.data.forwardingId
          ? { ...f, status: 'RESPONDED' as const, respondedAt: event.data.at }
          : f,
      );
      return { ...facts, status: respondedStatus(forwardings), forwardings };
    }
    case 'AgencyResponseMarkedInsufficient': {
      const counts = { ...facts.forwardingCounts };
      const forwardings = facts.forwardings.map((f): Forwarding => {
        const replacement = event.data.forwardings.find((r) => r.previousForwardingId === f.forwardingId);
        if (!replacement) return f;
        counts[f.agencyId] = (counts[f.agencyId] ?? 0) + 1;
        return {
          forwardingId: replacement.forwardingId,
          agencyId: f.agencyId,
          status: 'FORWARDED',
          forwardedAt: event.data.at,
          acknowledgedAt: null,
          respondedAt: null,
        };
      });
      return { ...facts, status: 'FORWARDED', forwardings, forwardingCounts: counts };
    }
    case 'ComplaintResolved':
      return { ...facts, status: 'RESOLVED', resolvedAt: event.data.at };
    case 'ComplaintClosed':
      return { ...facts, status: 'CLOSED', closedAt: event.data.at };
    case 'ComplaintReopened':
      // A new round: the previous forwardings are history (kept in the events and the read model).
      return { ...facts, status: event.data.to, forwardings: [] };
    case 'ComplaintPrivacyChanged':
      return { ...state, confidential: event.data.confidential, anonymous: event.data.anonymous };
    case 'ComplainantDataErased':
      return facts.complainant ? { ...state, complainant: { ...facts.complainant, erased: true } } : state;
    case 'ComplainantMessageReceived':
      return state;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export const complaintDecider: Decider<ComplaintCommand, ComplaintEvent, ComplaintState> = {
  decide,
  evolve,
  initialState: () => ({ status: 'NONE' }),
};
