/**
 * `npm run -s token -- --role AGENCY --agency inspektorat-bantul [--sub pic-bantul] [--ttl 8h]`
 * prints a signed development token alone on stdout (HS256 with DUMAS_JWT_SECRET, or the labelled
 * development secret outside production), so scripts can capture it.
 */
import { isRole, mintToken, ROLES } from '../shared/auth';

const USAGE = `usage: npm run -s token -- --role <${ROLES.join('|')}> [--agency <agency id>] [--sub <subject>] [--ttl <8h|30m|7d>]`;

export function parseTokenArgs(argv: readonly string[]) {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) throw new Error(`unexpected argument ${flag}\n${USAGE}`);
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value\n${USAGE}`);
    values[flag.slice(2)] = value;
    i++;
  }
  const unknown = Object.keys(values).filter((k) => !['role', 'agency', 'sub', 'ttl'].includes(k));
  if (unknown.length) throw new Error(`unknown option --${unknown[0]}\n${USAGE}`);
  const role = values.role?.toUpperCase();
  if (!isRole(role)) throw new Error(`--role must be one of ${ROLES.join(', ')}\n${USAGE}`);
  if (role === 'AGENCY' && !values.agency)
    throw new Error(`an AGENCY token needs --agency <agency id>\n${USAGE}`);
  if (role !== 'AGENCY' && values.agency) throw new Error('--agency only applies to --role AGENCY');
  if (values.ttl && !/^\d+\s?(s|sec|m|min|h|hr|d|day|w|week)s?$/i.test(values.ttl)) {
    throw new Error('--ttl must look like 30m, 8h or 7d');
  }
  const sub = values.sub ?? (role === 'AGENCY' ? `pic-${values.agency}` : `dev-${role.toLowerCase()}`);
  return {
    sub,
    role,
    ...(values.agency ? { agencyId: values.agency } : {}),
    ...(values.ttl ? { ttl: values.ttl } : {}),
  };
}

if (require.main === module) {
  Promise.resolve()
    .then(() => mintToken(parseTokenArgs(process.argv.slice(2))))
    .then(
      (token) => process.stdout.write(`${token}\n`),
      (err: unknown) => {
        process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(1);
      },
    );
}
