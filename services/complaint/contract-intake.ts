/**
 * The intake the complaint subgraph publishes to the channels wing (services/channels): the service that
 * files complaints and adds the complainant's later messages, and the commands' payloads. Kept apart from
 * contract-entity.ts so the channels load no GraphQL classes.
 */
export type { AddComplainantMessage, ComplainantAttachment } from './domain/commands';
export { type ComplaintService, complaintIdFromIdempotencyKey } from './service';
