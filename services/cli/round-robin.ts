/**
 * A small round-robin front for `npm run start:cluster`: HTTP requests and WebSocket upgrades go to the
 * replicas in turn. A replica that refuses the connection (it is down) is skipped and the next one
 * tried, so a client sees no error for a replica that died between requests; a request already sent to
 * a replica that dies is not repeated (it may have taken effect), the client retries as it would behind
 * any load balancer. For one machine and for trying things out: in production use the load balancer you
 * have (nginx, HAProxy, a cloud one) with the same rule.
 */
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

export interface Backend {
  readonly host: string;
  readonly port: number;
}

export interface RoundRobinFront {
  readonly port: number;
  close(): Promise<void>;
}

const isRefused = (err: unknown) =>
  ['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH'].includes((err as NodeJS.ErrnoException).code ?? '');

export async function startRoundRobinFront(
  backends: readonly Backend[],
  port: number,
  host = '127.0.0.1',
): Promise<RoundRobinFront> {
  if (backends.length === 0) throw new Error('a front needs at least one backend');
  let next = 0;
  const order = (): Backend[] => {
    const start = next++ % backends.length;
    return [...backends.slice(start), ...backends.slice(0, start)];
  };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const candidates = order();
      const attempt = (i: number) => {
        const backend = candidates[i];
        if (!backend) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end('{"errors":[{"message":"no replica is reachable","extensions":{"code":"BAD_GATEWAY"}}]}');
          return;
        }
        let connected = false;
        const upstream = http.request(
          {
            host: backend.host,
            port: backend.port,
            method: req.method,
            path: req.url,
            headers: { ...req.headers, host: `${backend.host}:${backend.port}` },
            agent,
          },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        upstream.on('socket', (socket) => {
          if (!socket.connecting) connected = true;
          else socket.once('connect', () => (connected = true));
        });
        upstream.on('error', (err) => {
          // Never reached the replica: the next one. Reached it: the client decides about a retry.
          if (!connected && isRefused(err) && !res.headersSent) return attempt(i + 1);
          if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' });
          res.end();
        });
        upstream.end(body);
      };
      attempt(0);
    });
  });

  // Upgraded connections (WebSocket tunnels) are no longer the HTTP server's: closing ends them here.
  const tunnels = new Set<Duplex>();
  server.on('upgrade', (req, client, head) => {
    tunnels.add(client);
    client.once('close', () => tunnels.delete(client));
    const candidates = order();
    const attempt = (i: number) => {
      const backend = candidates[i];
      if (!backend) {
        client.destroy();
        return;
      }
      const upstream = net.connect(backend.port, backend.host);
      tunnels.add(upstream);
      upstream.once('close', () => tunnels.delete(upstream));
      upstream.once('error', (err) => {
        if (isRefused(err) && upstream.bytesWritten === 0) attempt(i + 1);
        else client.destroy();
      });
      upstream.once('connect', () => {
        const lines = [`${req.method} ${req.url} HTTP/${req.httpVersion}`];
        for (let k = 0; k < req.rawHeaders.length; k += 2)
          lines.push(`${req.rawHeaders[k]}: ${req.rawHeaders[k + 1]}`);
        upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
        if (head.length) upstream.write(head);
        upstream.pipe(client);
        client.pipe(upstream);
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
    };
    attempt(0);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const socket of tunnels) socket.destroy();
        agent.destroy();
      }),
  };
}
