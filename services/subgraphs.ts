/**
 * The subgraphs of dumas: the one list the launcher (`npm start`), `npm run compose`, the gateway's
 * default endpoints and the test support read. A subgraph's code is loaded only when asked for, so the
 * gateway (which needs names and ports) does not load any of it, and a subgraph process loads its own.
 * Adding a subgraph: a folder with `subgraph.ts` exporting a SubgraphModule, and one entry here.
 */
import type { SubgraphModule } from './shared/subgraph-module';

export interface SubgraphEntry {
  readonly name: string;
  /** Its port when run on its own; `npm start` gives the n-th subgraph PORT + n instead. */
  readonly defaultPort: number;
  load(): SubgraphModule;
}

export const SUBGRAPHS: readonly SubgraphEntry[] = [
  {
    name: 'complaint',
    defaultPort: 4001,
    // Mounted into the complaint subgraph: the audit wing (history, as-of, integrity, case events) and
    // the intake channels (e-mail, WhatsApp), which file complaints.
    load: () =>
      (require('./complaint/subgraph') as typeof import('./complaint/subgraph')).complaintSubgraph([
        (require('./audit/mount') as typeof import('./audit/mount')).auditWing,
        (require('./channels/mount') as typeof import('./channels/mount')).channelsWing,
      ]),
  },
  {
    name: 'correspondence',
    defaultPort: 4002,
    load: () =>
      (require('./correspondence/subgraph') as typeof import('./correspondence/subgraph'))
        .correspondenceSubgraph,
  },
  {
    name: 'evaluation',
    defaultPort: 4003,
    load: () =>
      (require('./evaluation/subgraph') as typeof import('./evaluation/subgraph')).evaluationSubgraph,
  },
];

export function subgraphEntry(name: string): SubgraphEntry {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  if (!entry)
    throw new Error(`no subgraph named ${name} (known: ${SUBGRAPHS.map((s) => s.name).join(', ')})`);
  return entry;
}
