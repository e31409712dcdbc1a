/**
 * Subgraphs meet only through the event log and published contracts: a file in one subgraph folder (or
 * in a wing: audit, channels) may import another's `contract*.ts` and services/shared, never its internals; the
 * shared code imports no subgraph at all. Only services/subgraphs.ts (the registry) and the CLIs see
 * every folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const SERVICES = path.resolve(__dirname, '..', 'services');
const WINGS = ['complaint', 'correspondence', 'evaluation', 'audit', 'channels'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory()
      ? tsFiles(path.join(dir, d.name))
      : d.name.endsWith('.ts')
        ? [path.join(dir, d.name)]
        : [],
  );
}

/** Every relative import or require of a file, resolved to a path under services/ ('' when outside). */
function importsOf(file: string): string[] {
  const source = readFileSync(file, 'utf8');
  const specs = [...source.matchAll(/(?:from\s+|require\(\s*|import\(\s*)'(\.{1,2}\/[^']+)'/g)].map(
    (m) => m[1]!,
  );
  return specs.map((s) => path.relative(SERVICES, path.resolve(path.dirname(file), s)));
}

function violations(): string[] {
  const out: string[] = [];
  for (const own of [...WINGS, 'shared']) {
    for (const file of tsFiles(path.join(SERVICES, own))) {
      for (const target of importsOf(file)) {
        const [folder, ...rest] = target.split(path.sep);
        if (!folder || folder === own || !WINGS.includes(folder)) continue;
        const published = rest.length === 1 && /^contract(-[a-z-]+)?$/.test(rest[0]!);
        if (own === 'shared' || !published) out.push(`${path.relative(SERVICES, file)} imports ${target}`);
      }
    }
  }
  return out;
}

describe('the house rules between subgraphs', () => {
  it('no subgraph folder imports another one’s internals (only its contract), and shared imports none', () => {
    expect(violations()).toEqual([]);
  });

  it('reads the environment only in services/shared/config.ts (and the CLIs that hand it over)', () => {
    const ROOT = path.resolve(SERVICES, '..');
    // The CLIs are entries: they hand the environment to loadConfig (or to a child process).
    // tracing.ts: OpenTelemetry's own OTEL_* variables, which its SDK reads from the environment anyway.
    const allowed = (f: string) =>
      f === 'services/shared/config.ts' ||
      f === 'services/shared/tracing.ts' ||
      f.startsWith('services/cli/');
    const readers = [...tsFiles(SERVICES), ...tsFiles(path.join(ROOT, 'gateway'))]
      .filter((f) => /process\.env\b/.test(readFileSync(f, 'utf8')))
      .map((f) => path.relative(ROOT, f).split(path.sep).join('/'))
      .filter((f) => !allowed(f));
    expect(readers).toEqual([]);
  });
});
