/**
 * The correspondence domain, for the GraphQL layer and the process managers built on it:
 * - agency.ts — the agency directory aggregate (`agency-{slug}` streams): onboarding REGISTERED / PILOT /
 *   ACTIVE / SUSPENDED and focal-point (PIC) appointments with their history;
 * - letter.ts — the letter aggregate (`letter-{id}` streams): kinds, states, per-kind transitions (who may
 *   give which command and see which letter is ../access.ts);
 * - numbering.ts — `LetterNumbering`: `approve` (the approveLetter mutation) and the gap-free yearly
 *   register (`letterno-{YYYY}` streams) with crash recovery (`completePending`, run once at startup).
 * Every command goes through `new CommandHandler(store, agencyDecider | letterDecider, guard)` except
 * approval, which goes through LetterNumbering so that the number is assigned with it.
 */
export * from './agency';
export * from './letter';
