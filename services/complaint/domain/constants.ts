/**
 * The complaint's vocabulary. Identifiers are English; the Indonesian terms users say are in the comments
 * (and belong in schema descriptions).
 */

/** Where a complaint came in (*kanal*). */
export const CHANNELS = ['EMAIL', 'WHATSAPP', 'WEB', 'LETTER', 'LAPOR', 'WALK_IN'] as const;
export type Channel = (typeof CHANNELS)[number];

/**
 * Channels whose complaints always carry the channel's own reference (message id, WhatsApp message id,
 * letter number, LAPOR tracking id). WEB and WALK_IN complaints start in dumas and may have none.
 */
export const CHANNELS_NEEDING_REFERENCE: readonly Channel[] = ['EMAIL', 'WHATSAPP', 'LETTER', 'LAPOR'];

/** The lifecycle of DOMAIN.md. */
export const COMPLAINT_STATUSES = [
  'RECEIVED',
  'AWAITING_INFORMATION',
  'VERIFIED',
  'FORWARDED',
  'IN_FOLLOW_UP',
  'RESPONDED',
  'RESOLVED',
  'CLOSED',
  'REJECTED',
] as const;
export type ComplaintStatus = (typeof COMPLAINT_STATUSES)[number];

/** Why a complaint is not taken up. */
export const REJECTION_REASONS = [
  'OUT_OF_SCOPE',
  'INCOMPLETE',
  'DUPLICATE',
  'NOT_GOVERNMENT_MATTER',
] as const;
export type RejectionReason = (typeof REJECTION_REASONS)[number];

/** How the complaint entered dumas: the public form, an officer's intake, or the bulk import of old data. */
export const INTAKE_KINDS = ['PUBLIC', 'OFFICER', 'IMPORT'] as const;
export type IntakeKind = (typeof INTAKE_KINDS)[number];

/**
 * What an agency's response says about the complaint: followed up, or not within the agency's
 * competence (a misrouted forwarding, counted in the periodic evaluation).
 */
export const AGENCY_RESPONSE_OUTCOMES = ['FOLLOWED_UP', 'NOT_COMPETENT'] as const;
export type AgencyResponseOutcome = (typeof AGENCY_RESPONSE_OUTCOMES)[number];

/** Where one forwarding to one agency stands (its own follow-up and clock). */
export const FORWARDING_STATUSES = ['FORWARDED', 'ACKNOWLEDGED', 'RESPONDED'] as const;
export type ForwardingStatus = (typeof FORWARDING_STATUSES)[number];

/** The event-store stream of one complaint. Every complaint event lives there. */
export const COMPLAINT_STREAM_PREFIX = 'complaint-';
export const complaintStreamId = (complaintId: string) => `${COMPLAINT_STREAM_PREFIX}${complaintId}`;
export const complaintIdFromStream = (streamId: string): string | undefined =>
  streamId.startsWith(COMPLAINT_STREAM_PREFIX) ? streamId.slice(COMPLAINT_STREAM_PREFIX.length) : undefined;

/** `DUMAS-<year>-<6 digits>`. */
export const TRACKING_NUMBER_PATTERN = /^DUMAS-(\d{4})-(\d{6})$/;
