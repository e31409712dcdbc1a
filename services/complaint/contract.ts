/**
 * What the complaint subgraph publishes to the rest of the house; other folders import this module and
 * nothing else of services/complaint (test/architecture.test.ts holds everyone to it).
 * - the complaint events and stream names on the shared log;
 * - the decider, so a process manager elsewhere (correspondence's flows) moves a complaint on by the
 *   complaint's own rules, through a CommandHandler on the same stream;
 * - the complaint read model, and its masking per viewer from ./access.ts (the one rule of who sees what
 *   of a complaint), for the audit wing's history, as-of and case-events feed.
 */
export {
  COMPLAINT_STREAM_PREFIX,
  type ComplaintStatus,
  complaintIdFromStream,
  complaintStreamId,
} from './domain/constants';
export type * from './domain/events';
export type { ComplaintCommand } from './domain/commands';
export { complaintDecider } from './domain/decider';
export type { ComplaintState } from './domain/state';
export { COMPLAINTS_COLLECTION, type ComplaintDocument, complaintProjection } from './projection';
export { type ComplaintViewer, maskComplaintForViewer, mayViewIdentity } from './access';
