/**
 * The importer the complaint subgraph publishes to the channels wing: the SP4N-LAPOR! exchange
 * (services/channels/lapor.ts) takes each pulled report through the same mapping and the same whole-case
 * import as `npm run import -- --mapping lapor`, so a report and an export row of one tracking id are
 * one complaint, whichever came first.
 */
export { AgencyDirectory } from './agency-directory';
export { ComplaintImporter, type ImportOutcome } from './import/importer';
export { LAPOR_MAPPING, parseRow } from './import/mapping';
