/**
 * The complaint GraphQL entity, published for the wings the registry mounts into this subgraph (the
 * audit wing adds `history`, `asOf`, `integrity` and the `caseEvents` subscription to it). Kept apart
 * from contract.ts so a subgraph that only reads complaint events never loads type-graphql classes.
 */
export type { ComplaintContext } from './graphql/context';
export { Complaint, ComplaintStatusEnum, Forwarding } from './graphql/types';
export { toComplaint } from './graphql/view';
export type { ComplaintService } from './service';
export type { ComplaintWing } from './subgraph';
