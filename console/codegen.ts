/**
 * Types the console's operations (src/operations.graphql) against the public API: the API schema is
 * derived from schema/supergraph.graphql (what the gateway serves, without the federation machinery),
 * and GraphQL Code Generator's client preset writes typed documents to src/gql/. Used programmatically
 * (@graphql-codegen/core) because the codegen CLI's loaders need Node 22.
 *
 *   npm run codegen                      write src/gql/
 *   node -r @swc-node/register console/codegen.ts --check
 *                                        exit 1 naming the files that differ (test/console/codegen.test.ts)
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Supergraph } from '@apollo/federation-internals';
import { preset } from '@graphql-codegen/client-preset';
import { codegen } from '@graphql-codegen/core';
import { parse, printSchema } from 'graphql';

const ROOT = path.resolve(__dirname, '..');
export const OPERATIONS = path.join(ROOT, 'console', 'src', 'operations.graphql');
export const OUTPUT_DIR = 'console/src/gql/';

/** Every generated file: path relative to the repository → content. */
export async function generateConsoleTypes(): Promise<Map<string, string>> {
  const supergraph = readFileSync(path.join(ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const schemaAst = Supergraph.build(supergraph).apiSchema().toGraphQLJSSchema();
  const schema = parse(printSchema(schemaAst));
  const rawSDL = readFileSync(OPERATIONS, 'utf8');
  const document = parse(rawSDL);
  const config = {
    useTypeImports: true,
    enumsAsTypes: true,
    documentMode: 'string',
    scalars: {
      DateTime: 'string',
      LocalDate: 'string',
      SafeInt: 'number',
      JSON: 'unknown',
    },
  };
  const outputs = await preset.buildGeneratesSection({
    baseOutputDir: OUTPUT_DIR,
    schema,
    schemaAst,
    documents: [{ location: 'console/src/operations.graphql', document, rawSDL }],
    config,
    presetConfig: { fragmentMasking: false },
    plugins: [],
    pluginMap: {},
  });
  const files = new Map<string, string>();
  for (const output of outputs) {
    files.set(output.filename, await codegen({ ...output, config: { ...config, ...output.config } }));
  }
  return files;
}

if (require.main === module) {
  const check = process.argv.includes('--check');
  generateConsoleTypes().then(
    (files) => {
      if (check) {
        const stale = [...files].filter(
          ([file, content]) =>
            !existsSync(path.join(ROOT, file)) || readFileSync(path.join(ROOT, file), 'utf8') !== content,
        );
        for (const [file] of stale) console.error(`${file} differs from what npm run codegen writes`);
        process.exit(stale.length === 0 ? 0 : 1);
      }
      for (const [file, content] of files) writeFileSync(path.join(ROOT, file), content);
      console.log(`wrote ${[...files.keys()].join(', ')}`);
    },
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
