/**
 * Runs this project's TypeScript from source with @swc/core alone, for the processes that count their
 * memory: the bulk importer (`npm run import`) and its worker thread. @swc-node/register, which the other
 * npm scripts use, does the same compilation but first loads the TypeScript compiler (about 45 MB per
 * thread) only to read tsconfig.json; the options are tsconfig.json's, as jest gives them to @swc/jest
 * (swc-options.js). Source maps stay inline, so `--enable-source-maps` maps stack traces to the sources.
 * A process that has a .ts loader already (jest, @swc-node/register) keeps it.
 *
 * What it compiles is kept in node_modules/.cache/dumas-ts, under a digest of the source, the options and
 * the compiler's version, and @swc/core is loaded only when a file is not there: its native compiler alone
 * added about 30 MB to the importer's RSS, and 50 MB with what it compiled, on every run. The first run
 * after a change compiles (and pays that once); every later run reads the cache, which keeps one
 * version per source file (a compile removes that file's older ones). A cache that cannot be written (a
 * read-only tree) only means compiling every time.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

if (!require.extensions['.ts']) {
  const options = { ...require('./swc-options'), swcrc: false };
  const root = path.resolve(__dirname, '..', '..');
  const cacheDir = path.join(root, 'node_modules', '.cache', 'dumas-ts');
  // The compiler's version from its package.json: reading it does not load the native module.
  const salt = `${require('@swc/core/package.json').version}\0${JSON.stringify(options)}`;
  let transformSync;

  const compile = (source, filename) => {
    transformSync ??= require('@swc/core').transformSync;
    return transformSync(source, { ...options, filename }).code;
  };

  require.extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    // <the file's path digest>-<its content's digest>.js: the first part finds its older versions.
    const file = crypto.createHash('sha256').update(filename).digest('hex').slice(0, 16);
    const key = crypto.createHash('sha256').update(`${salt}\0${filename}\0${source}`).digest('hex');
    const name = `${file}-${key}.js`;
    const cached = path.join(cacheDir, name);
    let code;
    try {
      code = fs.readFileSync(cached, 'utf8');
    } catch {
      code = compile(source, filename);
      try {
        // Written aside and renamed: a thread or process reading meanwhile sees all of it or none.
        fs.mkdirSync(cacheDir, { recursive: true });
        const aside = `${cached}.${process.pid}.${crypto.randomBytes(4).toString('hex')}`;
        fs.writeFileSync(aside, code);
        fs.renameSync(aside, cached);
        for (const older of fs.readdirSync(cacheDir))
          if (older.startsWith(`${file}-`) && older.endsWith('.js') && older !== name)
            fs.rmSync(path.join(cacheDir, older), { force: true });
      } catch {
        // No cache: compiled again next time.
      }
    }
    module._compile(code, filename);
  };
}
