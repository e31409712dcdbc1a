/**
 * What the evaluation subgraph publishes to the rest of the house; other folders import this module and
 * nothing else of services/evaluation: the stream names and event types of the calendar, the SLA policy
 * and the clocks, and the clocks read model the audit wing folds for a case as of an instant.
 */
export { CALENDAR_EVENT_TYPES, CALENDAR_STREAM } from './domain/calendar-aggregate';
export { slaStreamId } from './domain/clocks';
export { SLA_POLICY_EVENT_TYPES, SLA_POLICY_STREAM } from './domain/sla-policy';
export { createEvaluationProjection, SLA_CLOCKS, type SlaClockDoc } from './projections';
