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
import { existsSync } from 'node:fs';
import path from 'node:path';
import { mintToken, ROLES } from '../shared/auth';
import { loadConfig } from '../shared/config';
import { DUMAS_SUBGRAPHS, subgraphUrlEnvName } from '../shared/graphql/supergraph';
import { assertProductionReady, isProduction } from '../shared/production';

const ROOT = path.resolve(__dirname, '..', '..');
const REGISTER = ['-r', '@swc-node/register'];

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly url: string;
}

async function waitReady(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${url} exited with code ${child.exitCode}`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function launch(name: string, entry: string, env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...REGISTER, entry], {
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
  const config = loadConfig();
  const production = isProduction();
  assertProductionReady(process.env, config.dataDir);
  const gatewayPort = Number(process.env.PORT ?? 4000);
  if (!Number.isInteger(gatewayPort) || gatewayPort < 1 || gatewayPort > 65530) {
    throw new Error('PORT must be a port number');
  }
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  const baseEnv: NodeJS.ProcessEnv = { ...process.env, DUMAS_DATA_DIR: config.dataDir };
  const subgraphUrls: Record<string, string> = {};
  for (const [i, { name }] of DUMAS_SUBGRAPHS.entries()) {
    const entry = path.join(ROOT, 'services', name, 'index.ts');
    if (!existsSync(entry)) continue;
    const port = gatewayPort + 1 + i;
    const url = `http://127.0.0.1:${port}`;
    subgraphUrls[subgraphUrlEnvName(name)] = `${url}/graphql`;
    children.push({ name, url, process: launch(name, entry, { ...baseEnv, PORT: String(port) }) });
  }
  for (const c of children) await waitReady(`${c.url}/ready`, c.process, 60_000);

  // Demo data on the first run: the seed appends through the same command handlers as the API. Never in
  // production, where the store holds only what really happened.
  let seeded = false;
  if (!production) {
    const { seedIfEmpty } = require(path.join(ROOT, 'services', 'cli', 'seed.ts')) as typeof import('./seed');
    seeded = await seedIfEmpty(config);
  }

  const gatewayUrl = `http://localhost:${gatewayPort}`;
  const gateway = launch('gateway', path.join(ROOT, 'gateway', 'index.ts'), {
    ...baseEnv,
    ...subgraphUrls,
    PORT: String(gatewayPort),
    // GraphiQL (and introspection) for the demo; production keeps the gateway's default: off.
    ...(production ? {} : { DUMAS_GRAPHIQL: process.env.DUMAS_GRAPHIQL ?? 'true' }),
  });
  children.push({ name: 'gateway', url: gatewayUrl, process: gateway });
  await waitReady(`${gatewayUrl}/ready`, gateway, 60_000);

  if (production) {
    process.stdout.write(
      `\ndumas is running (production)\n  GraphQL   ${gatewayUrl}/graphql\n  data      ${config.dataDir}\n\n`,
    );
    return;
  }
  const lines = [
    '',
    'dumas DEMO is running: demo data, development secrets and signing key, ready tokens below.',
    'Not for real complaints: see "Running in production" in the README.',
    '',
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
