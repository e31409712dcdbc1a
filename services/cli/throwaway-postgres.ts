/**
 * A throwaway PostgreSQL server for `npm run start:cluster` when no DUMAS_POSTGRES_URL is given: initdb
 * into a temporary directory, pg_ctl start on a free port of 127.0.0.1, one database `dumas`; stopped and
 * removed when the cluster stops. As root (initdb refuses root) it runs as the `postgres` user.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { postgresTool } from './backup';

export interface ThrowawayPostgres {
  readonly url: string;
  stop(): void;
}

const asRoot = () => process.getuid?.() === 0;

function pg(binDir: string, tool: string, args: string[]): string {
  const exe = path.join(binDir, tool);
  const [file, argv] = asRoot() ? ['runuser', ['-u', 'postgres', '--', exe, ...args]] : [exe, args];
  return execFileSync(file, argv, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const binDir = path.dirname(postgresTool('pg_dump'));
  if (!fs.existsSync(path.join(binDir, 'initdb')))
    throw new Error(
      "no PostgreSQL server binaries: install Debian's postgresql package or set DUMAS_POSTGRES_URL",
    );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dumas-cluster-pg-'));
  if (asRoot()) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(dir, id('-u'), id('-g'));
  }
  fs.chmodSync(dir, 0o700);
  const data = path.join(dir, 'data');
  const stop = () => {
    try {
      pg(binDir, 'pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
    } catch {
      // not running
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    pg(binDir, 'initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
    ]);
    const port = await freePort();
    pg(binDir, 'pg_ctl', [
      '-D',
      data,
      '-l',
      path.join(dir, 'server.log'),
      '-w',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses='127.0.0.1' -c max_connections=300 -c fsync=off`,
      'start',
    ]);
    pg(binDir, 'psql', [
      '-h',
      '127.0.0.1',
      '-p',
      String(port),
      '-U',
      'postgres',
      '-c',
      'CREATE DATABASE dumas',
    ]);
    return { url: `postgresql://postgres@127.0.0.1:${port}/dumas`, stop };
  } catch (err) {
    stop();
    throw err;
  }
}
