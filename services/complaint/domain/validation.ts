/** How long each piece of a complaint may be; the checks themselves are services/shared/validation.ts. */

export const LIMITS = {
  subject: 200,
  description: 10_000,
  classification: 100,
  channelReference: 200,
  note: 2_000,
  longText: 10_000,
  maxAgencies: 20,
} as const;
