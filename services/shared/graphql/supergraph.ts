/** Composing subgraph SDLs into a supergraph, and reading the subgraph endpoints back out of one. */
import { composeServices } from '@apollo/composition';
import { Kind, parse } from 'graphql';
import { subgraphUrlEnvName } from '../config';

export interface SubgraphDefinition {
  readonly name: string;
  /** Where the gateway reaches it (recorded in the supergraph's join__graph). */
  readonly url: string;
  readonly sdl: string;
}

export class CompositionError extends Error {
  constructor(readonly errors: readonly { message: string; code?: string }[]) {
    super(
      `supergraph composition failed:\n${errors.map((e) => `- ${e.code ? `[${e.code}] ` : ''}${e.message}`).join('\n')}`,
    );
  }
}

/** Composes with @apollo/composition; throws CompositionError listing every composition error. */
export function composeSupergraph(subgraphs: readonly SubgraphDefinition[]): string {
  if (subgraphs.length === 0) throw new Error('nothing to compose: no subgraph given');
  const result = composeServices(
    subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
  );
  if (result.errors) {
    throw new CompositionError(
      result.errors.map((e) => ({
        message: e.message,
        ...(typeof e.extensions?.code === 'string' ? { code: e.extensions.code } : {}),
      })),
    );
  }
  return result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`;
}

export interface SubgraphEndpoint {
  readonly name: string;
  readonly url: string;
}

/**
 * The subgraphs named in a supergraph's `join__Graph` enum with their URLs, each overridable (by name;
 * DUMAS_SUBGRAPH_<NAME>_URL in the configuration) so one committed supergraph serves every deployment.
 */
export function subgraphEndpoints(
  supergraphSdl: string,
  overrides: Readonly<Record<string, string>> = {},
): SubgraphEndpoint[] {
  const doc = parse(supergraphSdl);
  const out: SubgraphEndpoint[] = [];
  for (const def of doc.definitions) {
    if (def.kind !== Kind.ENUM_TYPE_DEFINITION || def.name.value !== 'join__Graph') continue;
    for (const value of def.values ?? []) {
      const directive = value.directives?.find((d) => d.name.value === 'join__graph');
      const arg = (n: string) => {
        const a = directive?.arguments?.find((x) => x.name.value === n);
        return a && a.value.kind === Kind.STRING ? a.value.value : undefined;
      };
      const name = arg('name');
      const url = arg('url');
      if (!name) continue;
      const resolved = overrides[name] || url;
      if (!resolved) throw new Error(`subgraph ${name} has no URL: set ${subgraphUrlEnvName(name)}`);
      out.push({ name, url: resolved });
    }
  }
  if (out.length === 0) throw new Error('the supergraph names no subgraph (no join__Graph values)');
  return out;
}
