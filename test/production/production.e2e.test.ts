/**
 * NODE_ENV=production is safe by default: `npm start` refuses to start without each secret, naming it;
 * with them it serves neither GraphiQL nor introspection, seeds nothing and prints no token.
 */
import { freePortBlock } from '../support/ports';
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '../../services/shared/auth';
import { gatewayProductionRefusals, productionRefusals } from '../../services/cli/production';

const ROOT = path.resolve(__dirname, '..', '..');
const START = path.join(ROOT, 'services', 'cli', 'start.ts');

let dir: string;
let dataDir: string;
let keyFile: string;
const secret = randomBytes(32).toString('base64');

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-production-'));
  dataDir = path.join(dir, 'data');
  keyFile = path.join(dir, 'secrets', 'checkpoint.pem');
  fs.mkdirSync(path.dirname(keyFile), { recursive: true });
  const { privateKey } = generateKeyPairSync('ed25519');
  fs.writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const production = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  NODE_ENV: 'production',
  DUMAS_DATA_DIR: dataDir,
  DUMAS_JWT_SECRET: secret,
  DUMAS_VAULT_MASTER_KEY: randomBytes(32).toString('base64'),
  DUMAS_CHECKPOINT_PRIVATE_KEY_FILE: keyFile,
  DUMAS_GATEWAY_SECRET: randomBytes(32).toString('base64'),
  ...extra,
});

/** The process environment without anything dumas reads, so only what a test sets counts. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('DUMAS_') && k !== 'NODE_ENV'),
  );
}

describe('given NODE_ENV=production', () => {
  it('names each missing or unsafe setting', () => {
    expect(productionRefusals(production(), dataDir)).toEqual([]);
    const none = productionRefusals({ NODE_ENV: 'production' }, dataDir).join('\n');
    expect(none).toMatch(/DUMAS_JWT_SECRET .*or DUMAS_JWKS_URL/);
    expect(none).toMatch(/DUMAS_VAULT_MASTER_KEY/);
    expect(none).toMatch(/DUMAS_CHECKPOINT_PRIVATE_KEY or DUMAS_CHECKPOINT_PRIVATE_KEY_FILE/);
    expect(none).toMatch(/DUMAS_GATEWAY_SECRET/);
    expect(productionRefusals(production({ DUMAS_GATEWAY_SECRET: 'short' }), dataDir)).toEqual([
      'DUMAS_GATEWAY_SECRET must be at least 32 bytes',
    ]);
    // Subgraphs told to answer anyone need no shared secret (an operator's explicit choice).
    expect(
      productionRefusals(
        production({ DUMAS_GATEWAY_SECRET: '', DUMAS_SUBGRAPH_GATEWAY_ONLY: 'false' }),
        dataDir,
      ),
    ).toEqual([]);
    expect(productionRefusals(production({ DUMAS_JWT_SECRET: 'short' }), dataDir)).toEqual([
      'DUMAS_JWT_SECRET must be at least 32 bytes',
    ]);
    expect(
      productionRefusals(
        production({ DUMAS_JWT_SECRET: '', DUMAS_JWKS_URL: 'https://sso.example/certs' }),
        dataDir,
      ),
    ).toEqual([]);
    expect(productionRefusals(production({ DUMAS_VAULT_MASTER_KEY: 'c2hvcnQ=' }), dataDir)).toEqual([
      'DUMAS_VAULT_MASTER_KEY must be 32 bytes, base64-encoded',
    ]);
    // A signing key under the data directory is one whoever writes the data can use.
    const inside = path.join(dataDir, 'checkpoint.pem');
    fs.mkdirSync(dataDir, { recursive: true });
    fs.copyFileSync(keyFile, inside);
    expect(productionRefusals(production({ DUMAS_CHECKPOINT_PRIVATE_KEY_FILE: inside }), dataDir)).toEqual([
      expect.stringMatching(/DUMAS_CHECKPOINT_PRIVATE_KEY_FILE must not lie under DUMAS_DATA_DIR/),
    ]);
    fs.rmSync(inside);
  });

  it('npm start refuses to start without them, naming every one', async () => {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', START], {
      cwd: ROOT,
      env: { ...cleanEnv(), NODE_ENV: 'production', DUMAS_DATA_DIR: dataDir, PORT: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const { code, stdout, stderr } = await finished(child);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    for (const name of [
      'DUMAS_JWT_SECRET',
      'DUMAS_VAULT_MASTER_KEY',
      'DUMAS_CHECKPOINT_PRIVATE_KEY',
      'DUMAS_GATEWAY_SECRET',
    ]) {
      expect(stderr).toContain(name);
    }
  });

  it('refuses a gateway started on its own without the token key and the gateway secret', async () => {
    expect(gatewayProductionRefusals(production())).toEqual([]);
    const none = gatewayProductionRefusals({ NODE_ENV: 'production' }).join('\n');
    expect(none).toMatch(/DUMAS_JWT_SECRET/);
    expect(none).toMatch(/DUMAS_GATEWAY_SECRET/);
    // The vault and the signing key are the subgraphs' business, not the gateway's.
    expect(none).not.toMatch(/DUMAS_VAULT_MASTER_KEY|DUMAS_CHECKPOINT/);
    const child = spawn(
      process.execPath,
      ['-r', '@swc-node/register', path.join(ROOT, 'gateway', 'index.ts')],
      {
        cwd: ROOT,
        env: { ...cleanEnv(), NODE_ENV: 'production', DUMAS_DATA_DIR: dataDir, PORT: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const { code, stderr } = await finished(child);
    expect(code).toBe(1);
    expect(stderr).toContain('DUMAS_JWT_SECRET');
    expect(stderr).toContain('DUMAS_GATEWAY_SECRET');
  });

  it('starts with them: no GraphiQL, no introspection, no seed, no token printed', async () => {
    // The gateway and the three subgraphs; replicas-kill.test.ts takes the range above this one.
    const port = await freePortBlock([0, 1, 2, 3], { from: 20_000, to: 26_000 });
    const child = spawn(process.execPath, ['-r', '@swc-node/register', START], {
      cwd: ROOT,
      env: { ...cleanEnv(), ...production(), PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    try {
      const deadline = Date.now() + 150_000;
      while (!stdout.includes('dumas is running (production)')) {
        if (child.exitCode !== null) throw new Error(`start exited ${child.exitCode}: ${stderr}`);
        if (Date.now() > deadline) throw new Error(`not running after 150 s: ${stderr}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const base = `http://localhost:${port}`;
      expect(stdout).not.toMatch(/eyJ|Tokens|GraphiQL|DEMO/);
      expect((await fetch(`${base}/graphiql`)).status).toBe(404);
      const token = await mintToken({ sub: 'officer-1', role: 'OFFICER' }, secret);
      const ask = async (query: string) =>
        (await (
          await fetch(`${base}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query }),
          })
        ).json()) as { data?: { complaints?: { totalCount: number } }; errors?: { message: string }[] };
      const introspection = await ask('{ __schema { types { name } } }');
      expect(introspection.data).toBeUndefined();
      expect(introspection.errors?.[0]?.message).toMatch(/introspection/i);
      expect(await ask('{ complaints(first: 1) { totalCount } }')).toEqual({
        data: { complaints: { totalCount: 0 } },
      });
      // The subgraphs answer only the gateway: a call to a subgraph's own port, even for its SDL, is refused.
      for (const offset of [1, 2, 3]) {
        const direct = await fetch(`http://127.0.0.1:${port + offset}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query: '{ _service { sdl } }' }),
        });
        expect(direct.status).toBe(403);
        expect(await direct.text()).not.toContain('type Query');
      }
      // The signing key stayed where it was configured: no development key appeared in the data dir.
      expect(fs.existsSync(path.join(dataDir, 'checkpoint-dev-key.pem'))).toBe(false);
    } finally {
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
      await finished(child);
    }
  }, 200_000);
});

function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr?.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => {
    if (child.exitCode !== null) resolve({ code: child.exitCode, stdout, stderr });
    else child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
