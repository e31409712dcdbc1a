/**
 * `npm start` — the whole federation on one machine: each subgraph as its own process on the embedded
 * store (SQLite under DUMAS_DATA_DIR, default ./data, created when absent), then the gateway on PORT
 * (default 4000; the subgraphs take the next ports). Ctrl-C stops every process cleanly.
 *
 * Without NODE_ENV=production it is the demo: demo data seeded on the first run, GraphiQL, a ready token
 * per role printed, development secrets. With NODE_ENV=production none of that: it refuses to start
 * unless the secrets are configured (see services/shared/production.ts), seeds nothing, prints no
 * token, and serves neither GraphiQL nor introspection.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { mintToken, ROLES } from '../shared/auth';
import { loadConfig, subgraphUrlEnvName } from '../shared/config';
import { assertProductionReady } from './production';
import { waitReady } from './wait-ready';

import { SUBGRAPHS } from '../subgraphs';

// Compiled (`npm run build`, then `npm run start:prod`: dist/ on production dependencies only) the
// children are plain node on .js files; from source they run through @swc-node/register.
const COMPILED = __filename.endsWith('.js');
const ROOT = path.resolve(__dirname, '..', '..');
const REGISTER = COMPILED ? [] : ['-r', '@swc-node/register'];
const entry = (...parts: string[]) => `${path.join(ROOT, ...parts)}${COMPILED ? '.js' : '.ts'}`;

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly url: string;
}

function launch(name: string, file: string, env: NodeJS.ProcessEnv, args: string[] = []): ChildProcess {
  const child = spawn(process.execPath, [...REGISTER, file, ...args], {
    cwd: ROOT,
    env,
    // The IPC channel closes when this launcher dies, however it dies: children stop on 'disconnect'.
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('exit', (code, signal) => {
    if (!stopping) process.stderr.write(`${name} exited (${signal ?? code}); stopping everything\n`);
    void stopAll(code ?? 1);
  });
  return child;
}

const children: Child[] = [];
let stopping = false;

async function stopAll(exitCode: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.process.exitCode === null && c.process.signalCode === null);
  for (const c of alive) c.process.kill('SIGTERM');
  await Promise.all(
    alive.map(
      (c) =>
        new Promise<void>((resolve) => {
          const timer = setTimeout(() => {
            c.process.kill('SIGKILL');
            resolve();
          }, 5000);
          c.process.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    ),
  );
  process.exit(exitCode);
}

async function main(): Promise<void> {
  const production = process.env.NODE_ENV === 'production';
  // GraphiQL (and introspection) for the demo unless DUMAS_GRAPHIQL says otherwise; production keeps the
  // gateway's default: off.
  const env: NodeJS.ProcessEnv = production ? process.env : { DUMAS_GRAPHIQL: 'true', ...process.env };
  const config = loadConfig(env);
  assertProductionReady(env, config.dataDir);
  const gatewayPort = config.port ?? 4000;
  if (gatewayPort < 1 || gatewayPort > 65530) throw new Error('PORT must be a port number');
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const baseEnv: NodeJS.ProcessEnv = { ...env, DUMAS_DATA_DIR: config.dataDir };
  const subgraphUrls: Record<string, string> = {};
  for (const [i, { name }] of SUBGRAPHS.entries()) {
    const port = gatewayPort + 1 + i;
    const url = `http://127.0.0.1:${port}`;
    subgraphUrls[subgraphUrlEnvName(name)] = `${url}/graphql`;
    children.push({
      name,
      url,
      process: launch(name, entry('services', 'cli', 'subgraph'), { ...baseEnv, PORT: String(port) }, [name]),
    });
  }
  for (const c of children)
    await waitReady(`${c.url}/ready`, c.process, { timeoutMs: config.startReadyTimeoutMs, name: c.name });

  // Demo data on the first run: the seed appends through the same command handlers as the API. Never in
  // production, where the store holds only what really happened.
  let seeded = false;
  if (!production) {
    const { seedIfEmpty } = require('./seed') as typeof import('./seed');
    seeded = await seedIfEmpty(config);
  }

  const gatewayUrl = `http://localhost:${gatewayPort}`;
  const gateway = launch('gateway', entry('gateway', 'index'), {
    ...baseEnv,
    ...subgraphUrls,
    PORT: String(gatewayPort),
  });
  children.push({ name: 'gateway', url: gatewayUrl, process: gateway });
  await waitReady(`${gatewayUrl}/ready`, gateway, { timeoutMs: config.startReadyTimeoutMs, name: 'gateway' });

  if (production) {
    process.stdout.write(
      `\ndumas is running (production)\n  Console   ${gatewayUrl}/console/\n  GraphQL   ${gatewayUrl}/graphql\n  data      ${config.dataDir}\n\n`,
    );
    return;
  }
  const lines = [
    '',
    'dumas DEMO is running: demo data, development secrets and signing key, ready tokens below.',
    'Not for real complaints: see "Running in production" in the README.',
    '',
    `  Console   ${gatewayUrl}/console/`,
    `  GraphQL   ${gatewayUrl}/graphql`,
    `  GraphiQL  ${gatewayUrl}/graphiql`,
    `  data      ${config.dataDir}${seeded ? ' (demo data seeded)' : ''}`,
    '',
    'Tokens (8 h; put one in the Authorization header as "Bearer <token>"):',
  ];
  for (const role of ROLES) {
    const agencyId = role === 'AGENCY' ? 'inspektorat-bantul' : undefined;
    const token = await mintToken({
      sub: agencyId ? `pic-${agencyId}` : `demo-${role.toLowerCase()}`,
      role,
      ...(agencyId ? { agencyId } : {}),
      ttl: '8h',
    });
    lines.push(`  ${role}${agencyId ? ` (${agencyId})` : ''}:`, `    ${token}`);
  }
  lines.push(
    '',
    'More: npm run -s token -- --role AGENCY --agency inspektorat-sleman',
    'Ctrl-C stops everything.',
    '',
  );
  process.stdout.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`dumas failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  void stopAll(1);
});
