/**
 * What the complaint subgraph publishes to the wings the registry mounts into it: the GraphQL entity (the
 * audit wing adds `history`, `asOf`, `integrity` and the `caseEvents` subscription to it) and the intake
 * service the channels file complaints through. Kept apart
 * from contract.ts so a subgraph that only reads complaint events never loads type-graphql classes.
 */
export type { ComplaintContext } from './graphql/context';
export { Complaint, ComplaintStatusEnum, Forwarding, PageInfo } from './graphql/types';
export { toComplaint } from './graphql/view';
export { type ComplaintService, complaintIdFromIdempotencyKey } from './service';
export type { AddComplainantMessage, ComplainantAttachment } from './domain/commands';
export type { ComplaintWing } from './subgraph';
