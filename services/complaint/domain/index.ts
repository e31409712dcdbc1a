/** The complaint domain: what the complaint subgraph's resolvers build on. */
export * from './access-code';
export * from './authorize';
export * from './commands';
export * from './constants';
export * from './decider';
export * from './events';
export * from './intake';
export * from './state';
export * from './tracking-number';
export { LIMITS as COMPLAINT_INPUT_LIMITS } from './validation';
