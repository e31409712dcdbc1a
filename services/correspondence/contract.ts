/**
 * What the correspondence subgraph publishes to the rest of the house; other folders import this module
 * and nothing else of services/correspondence: the letter stream names and events, who may see a letter
 * as its events unfold (the one rule every read path asks), the letters read model the audit wing
 * folds for a case as of an instant, and the agency roster (who is in the directory, at which stage,
 * and who speaks for each agency now).
 */
export { canSeeLetter, type LetterSight, letterSightAfter } from './access';
export { LETTER_STREAM_PREFIX, type LetterEvent, letterStreamId } from './domain/letter';
export { LETTERS, type LetterDoc, lettersProjection } from './projections';
export { AgencyRoster, FORWARDABLE_STATUSES, type RosterEntry } from './roster';
