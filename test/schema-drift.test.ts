/**
 * The committed schema/*.graphql files are what the code prints: a resolver change that alters the API
 * without `npm run compose` fails here (and so in CI), before a front-end team finds out.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { printSchemas } from '../services/cli/compose';

const ROOT = path.resolve(__dirname, '..');

describe('the committed supergraph', () => {
  it('equals what the subgraphs print and compose to (run npm run compose after changing the API)', async () => {
    const { files, composed } = await printSchemas();
    expect(composed).toEqual(['complaint', 'correspondence', 'evaluation']);
    for (const [file, content] of files) {
      expect({ file, content: readFileSync(path.join(ROOT, file), 'utf8') }).toEqual({ file, content });
    }
  });
});
