/**
 * One subgraph as the launcher, `npm run compose`, the supergraph builder and the test support see it.
 * Each subgraph folder exports one such value from its `subgraph.ts`; services/subgraphs.ts names them.
 */
import type { Authenticator } from './auth';
import type { SubgraphServer } from './graphql/subgraph';
import type { RequestContext } from './http/server';
import type { Logger } from './logger';
import type { RuntimeOptions, SubgraphRuntime } from './runtime';

/** A subgraph's server as the launcher and the test support hold it (its Apollo, typed by its context, stays inside). */
export type ServedSubgraph = Omit<SubgraphServer<RequestContext>, 'apollo'>;

export type StartOptions = Omit<RuntimeOptions, 'name' | 'projections'>;

export interface ServeOptions {
  readonly authenticator?: Authenticator;
  readonly logger?: Logger;
}

/** `R`: the runtime its `start` opens and its `serve` is handed (a subgraph may add its parts to it). */
export interface SubgraphModule<R extends SubgraphRuntime = SubgraphRuntime> {
  readonly name: string;
  /** Its port when run on its own (the gateway listens on 4000). */
  readonly defaultPort: number;
  /** Opens its runtime: stores, read models and its workers (projections and background work). */
  start(options?: StartOptions): Promise<R>;
  /** Its HTTP server over the runtime its `start` opened (not listening yet). */
  serve(runtime: R, options?: ServeOptions): Promise<ServedSubgraph>;
  /** Its SDL with federation directives, without opening a store or listening. */
  sdl(): Promise<string>;
}
