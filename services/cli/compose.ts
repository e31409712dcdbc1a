/**
 * `npm run compose` — print each subgraph's SDL into schema/<name>.graphql and compose
 * schema/supergraph.graphql with @apollo/composition. `npm run compose -- --check` writes nothing and
 * exits 1 when the committed files differ from what the code prints (the schema-drift check in CI).
 *
 * Every subgraph of the registry (services/subgraphs.ts) gives its SDL with its federation directives
 * and the Federation 2 `@link`, without opening stores or listening; composition errors fail the
 * command with every error listed.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeSupergraph, type SubgraphDefinition } from '../shared/graphql/supergraph';
import { SUBGRAPHS, type SubgraphEntry } from '../subgraphs';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA_DIR = path.join(ROOT, 'schema');

export interface ComposedFiles {
  /** File path (relative to the repository root) → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly composed: readonly string[];
}

/** Builds every subgraph's SDL and the supergraph, in memory. */
export async function printSchemas(subgraphs: readonly SubgraphEntry[] = SUBGRAPHS): Promise<ComposedFiles> {
  const definitions: SubgraphDefinition[] = [];
  for (const entry of subgraphs) {
    const sdl = await entry.load().sdl();
    definitions.push({
      name: entry.name,
      url: `http://localhost:${entry.defaultPort}/graphql`,
      sdl: sdl.endsWith('\n') ? sdl : `${sdl}\n`,
    });
  }
  const files = new Map<string, string>();
  for (const d of definitions) files.set(path.join('schema', `${d.name}.graphql`), d.sdl);
  files.set(path.join('schema', 'supergraph.graphql'), composeSupergraph(definitions));
  return { files, composed: definitions.map((d) => d.name) };
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const { files, composed } = await printSchemas();
  if (check) {
    const drifted: string[] = [];
    for (const [file, content] of files) {
      const full = path.join(ROOT, file);
      const committed = existsSync(full) ? readFileSync(full, 'utf8') : undefined;
      if (committed !== content) drifted.push(file);
    }
    if (drifted.length) {
      process.stderr.write(
        `schema drift: ${drifted.join(', ')} differ from what the code prints; run npm run compose\n`,
      );
      return 1;
    }
    process.stderr.write(`schemas up to date (${composed.join(', ')})\n`);
    return 0;
  }
  mkdirSync(SCHEMA_DIR, { recursive: true });
  for (const [file, content] of files) writeFileSync(path.join(ROOT, file), content);
  process.stderr.write(`composed ${composed.join(', ')} into schema/supergraph.graphql\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
