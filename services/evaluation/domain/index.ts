/**
 * The evaluation domain: working-day calendar, SLA policy and clocks, agency KPIs, satisfaction and
 * evaluation rounds. Everything here is pure; time comes in as arguments or on command metadata.
 */
export * from './calendar-aggregate';
export * from './case-facts';
export * from './clocks';
export * from './evaluation';
export * from './kpi';
export * from './satisfaction';
export * from './sla-policy';
