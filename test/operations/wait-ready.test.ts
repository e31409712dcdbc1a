/**
 * The launcher's readiness wait (`npm start`, the cluster, the benches): a service still catching up is
 * waited for; one that reports an integrity alert is told at once, with its reason, instead of being
 * described as "catching up with the log" until the timeout.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitReady } from '../../services/cli/wait-ready';

let server: Server;
let child: ChildProcess;
let answer: { code: number; body: object };

beforeAll(async () => {
  server = createServer((_req, res) => {
    res.writeHead(answer.code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(answer.body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  // Stands for the launched service's process: alive for the test's length.
  child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60_000)'], { stdio: 'ignore' });
});

afterAll(async () => {
  child.kill();
  await new Promise((resolve) => server.close(resolve));
});

const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/ready`;

describe('waitReady', () => {
  it('given a service that is still catching up, when it becomes ready, then the wait ends', async () => {
    answer = { code: 503, body: { status: 'not ready' } };
    setTimeout(() => {
      answer = { code: 200, body: { status: 'ready' } };
    }, 500);
    await expect(waitReady(url(), child, { timeoutMs: 10_000 })).resolves.toBeUndefined();
  });

  it('given a service with an integrity alert, when it is waited for, then the wait fails at once with the reason', async () => {
    answer = {
      code: 503,
      body: {
        status: 'degraded',
        reason: 'FORGED_CHECKPOINT: checkpoint 1 does not verify',
        service: 'complaint',
      },
    };
    const started = Date.now();
    await expect(waitReady(url(), child, { timeoutMs: 30_000, name: 'complaint' })).rejects.toThrow(
      'complaint is degraded, not ready: FORGED_CHECKPOINT: checkpoint 1 does not verify',
    );
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
