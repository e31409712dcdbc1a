/**
 * `npm run compose` — print each subgraph's SDL into schema/<name>.graphql and compose
 * schema/supergraph.graphql with @apollo/composition. `npm run compose -- --check` writes nothing and
 * exits 1 when the committed files differ from what the code prints (the schema-drift check in CI).
 *
 * The contract with each subgraph: `services/<name>/schema.ts` exports
 *
 *     export async function buildSchemaSdl(): Promise<string>
 *
 * returning the subgraph's SDL with its federation directives and the Federation 2 `@link` — i.e.
 * `(await buildFederatedSubgraph({...})).sdl` from services/shared/graphql/subgraph.ts. It must not
 * open stores or listen: compose only builds schemas. Subgraphs whose schema module does not exist yet
 * are skipped (and named on stderr); composition errors fail the command with every error listed.
 */
import 'reflect-metadata';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { composeSupergraph, DUMAS_SUBGRAPHS, type SubgraphDefinition } from '../shared/graphql/supergraph';

const ROOT = path.resolve(__dirname, '..', '..');
const SCHEMA_DIR = path.join(ROOT, 'schema');

export interface ComposedFiles {
  /** File path (relative to the repository root) → content. */
  readonly files: ReadonlyMap<string, string>;
  readonly composed: readonly string[];
  readonly skipped: readonly string[];
}

/** Builds every available subgraph's SDL and the supergraph, in memory. */
export async function printSchemas(root = ROOT): Promise<ComposedFiles> {
  const definitions: SubgraphDefinition[] = [];
  const skipped: string[] = [];
  for (const { name, port } of DUMAS_SUBGRAPHS) {
    const modulePath = path.join(root, 'services', name, 'schema.ts');
    if (!existsSync(modulePath)) {
      skipped.push(name);
      continue;
    }
    // require, not import(): the CLI runs as CommonJS under @swc-node/register, which hooks require.
    const mod = require(modulePath) as { buildSchemaSdl?: () => Promise<string> };
    if (typeof mod.buildSchemaSdl !== 'function') {
      throw new Error(`services/${name}/schema.ts must export buildSchemaSdl(): Promise<string>`);
    }
    const sdl = await mod.buildSchemaSdl();
    definitions.push({
      name,
      url: `http://localhost:${port}/graphql`,
      sdl: sdl.endsWith('\n') ? sdl : `${sdl}\n`,
    });
  }
  const files = new Map<string, string>();
  if (definitions.length > 0) {
    for (const d of definitions) files.set(path.join('schema', `${d.name}.graphql`), d.sdl);
    files.set(path.join('schema', 'supergraph.graphql'), composeSupergraph(definitions));
  }
  return { files, composed: definitions.map((d) => d.name), skipped };
}

async function main(argv: readonly string[]): Promise<number> {
  const check = argv.includes('--check');
  const { files, composed, skipped } = await printSchemas();
  if (skipped.length)
    process.stderr.write(`skipped (no services/<name>/schema.ts yet): ${skipped.join(', ')}\n`);
  if (composed.length === 0) {
    process.stderr.write('no subgraph schema module found: nothing composed\n');
    return 1;
  }
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
