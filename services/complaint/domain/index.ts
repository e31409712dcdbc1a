/** The complaint domain: what the complaint subgraph's resolvers build on. */
export * from './commands';
export * from './constants';
export * from './decider';
export * from './events';
export * from './state';
export { LIMITS as COMPLAINT_INPUT_LIMITS } from './validation';
