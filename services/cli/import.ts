/**
 * Bulk import of complaints the ministry already holds, into the configured store:
 *
 *   npm run import -- FILE [--format csv|json|jsonl] [--mapping lapor|sheet|MAPPING.json] [--dry-run]
 *
 * Progress goes to stderr, the report to stdout (and every refused row to FILE's `.refused.csv`).
 * Exit code 0 when every row was imported or already present, 2 when some were refused, 1 on a usage
 * or configuration error.
 */
import { loadConfig } from '../shared/config';
import { createEventStore } from '../shared/eventstore';
import { openKeyVault } from '../shared/pii';
import { loadMapping } from '../complaint/import/mapping';
import {
  IMPORT_STORE_TUNING,
  type ImportFormat,
  type ImportReport,
  runImport,
} from '../complaint/import/run';
import { progressBar } from './progress';

const USAGE =
  'usage: npm run import -- FILE [--format csv|json|jsonl] [--mapping lapor|sheet|MAPPING.json] [--dry-run]';

export interface ImportArgs {
  readonly file: string;
  readonly format?: ImportFormat;
  readonly mapping: string;
  readonly dryRun: boolean;
}

export function parseImportArgs(argv: readonly string[]): ImportArgs {
  let file: string | undefined;
  let format: ImportFormat | undefined;
  let mapping = 'sheet';
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--format') {
      const value = argv[++i];
      if (value !== 'csv' && value !== 'json' && value !== 'jsonl')
        throw new Error('--format must be csv, json or jsonl');
      format = value;
    } else if (arg === '--mapping') {
      const value = argv[++i];
      if (!value) throw new Error('--mapping needs lapor, sheet or a JSON file');
      mapping = value;
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else if (file === undefined) file = arg;
    else throw new Error('only one FILE at a time');
  }
  if (!file) throw new Error('FILE is required');
  return { file, mapping, dryRun, ...(format ? { format } : {}) };
}

export function formatReport(report: ImportReport): string {
  const lines = [
    `${report.dryRun ? 'Dry run of' : 'Imported'} ${report.file} (sha256 ${report.fileDigest})`,
    `  rows read:        ${report.read}`,
    `  ${report.dryRun ? 'would import:    ' : 'imported:        '} ${report.imported}`,
    `  already present:  ${report.alreadyPresent}`,
    `  refused:          ${report.refused}${report.refused ? ` (every one in ${report.refusalsFile})` : ''}`,
  ];
  for (const r of report.refusals.slice(0, 20)) lines.push(`    line ${r.line}: ${r.reason}`);
  if (report.refused > 20) lines.push(`    … ${report.refused - 20} more`);
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<number> {
  let args: ImportArgs;
  try {
    args = parseImportArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 1;
  }
  const mapping = loadMapping(args.mapping);
  const config = loadConfig();
  const store = await createEventStore(config.store, IMPORT_STORE_TUNING);
  const vault = openKeyVault(config);
  const bar = progressBar(args.dryRun ? 'checking' : 'importing');
  try {
    const report = await runImport({
      file: args.file,
      mapping,
      dryRun: args.dryRun,
      store,
      vault,
      ...(args.format ? { format: args.format } : {}),
      onProgress: (bytes, total) => bar.update(bytes, total),
    });
    bar.done();
    process.stdout.write(formatReport(report));
    return report.refused > 0 ? 2 : 0;
  } finally {
    await vault.close();
    await store.close();
  }
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (err: Error) => {
      process.stderr.write(`import failed: ${err.message}\n`);
      process.exitCode = 1;
    },
  );
}
