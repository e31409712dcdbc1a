/**
 * Runs this project's TypeScript from source with @swc/core alone, for the processes that count their
 * memory: the bulk importer (`npm run import`) and its worker thread. @swc-node/register, which the other
 * npm scripts use, does the same compilation but first loads the TypeScript compiler (about 45 MB per
 * thread) only to read tsconfig.json; the options are tsconfig.json's, as jest gives them to @swc/jest
 * (swc-options.js). Source maps stay inline, so `--enable-source-maps` maps stack traces to the sources.
 * A process that has a .ts loader already (jest, @swc-node/register) keeps it.
 */
const fs = require('node:fs');

if (!require.extensions['.ts']) {
  const { transformSync } = require('@swc/core');
  const options = { ...require('./swc-options'), swcrc: false };
  require.extensions['.ts'] = (module, filename) => {
    const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename });
    module._compile(code, filename);
  };
}
