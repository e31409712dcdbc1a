/**
 * What the correspondence subgraph publishes to the rest of the house; other folders import this module
 * and nothing else of services/correspondence: the letter stream names and events, and the letters read
 * model the audit wing folds for a case as of an instant.
 */
export { LETTER_STREAM_PREFIX, type LetterEvent, letterStreamId } from './domain/letter';
export { LETTERS, type LetterDoc, lettersProjection } from './projections';
