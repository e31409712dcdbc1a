/**
 * The console (console/, built by Vite into console/dist) served by the gateway at /console: one origin
 * with the API, no CDN. Files are read once at start and kept gzip-compressed beside the plain bytes;
 * hashed asset names are cached for a year, the page itself revalidated. Client-side routes are hash
 * routes, so nothing but these files is ever asked for.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RouteHandler } from '../services/shared/http/server';

export const CONSOLE_PATH = '/console';
export const CONSOLE_DIST = path.resolve(__dirname, '..', 'console', 'dist');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

interface File {
  readonly body: Buffer;
  readonly gzipped: Buffer | null;
  readonly contentType: string;
  readonly etag: string;
  readonly immutable: boolean;
}

function file(body: Buffer, name: string, immutable: boolean): File {
  const contentType = TYPES[path.extname(name)] ?? 'application/octet-stream';
  const compressible = /^(text|application\/json|image\/svg)/.test(contentType) && body.length > 512;
  return {
    body,
    gzipped: compressible ? gzipSync(body, { level: 9 }) : null,
    contentType,
    etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
    immutable,
  };
}

export interface ConsoleOptions {
  readonly dist?: string;
  /** OIDC issuer and client id for authorization code + PKCE sign-in (DUMAS_OIDC_ISSUER, DUMAS_OIDC_CLIENT_ID). */
  readonly oidc?: { readonly issuer: string; readonly clientId: string; readonly scope?: string };
}

/** The console's routes; when it has not been built, /console says how to build it. */
export function consoleRoutes(options: ConsoleOptions = {}): Record<string, RouteHandler> {
  const dist = options.dist ?? CONSOLE_DIST;
  const config = file(
    Buffer.from(JSON.stringify(options.oidc ? { oidc: options.oidc } : {})),
    'config.json',
    false,
  );
  const routes: Record<string, RouteHandler> = {
    [`${CONSOLE_PATH}/config.json`]: (req, res) => serve(res, config, req.headers),
  };
  if (!existsSync(path.join(dist, 'index.html'))) {
    const missing: RouteHandler = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('The console is not built: run `npm run build:console` (npm start does it).\n');
    };
    routes[CONSOLE_PATH] = missing;
    routes[`${CONSOLE_PATH}/`] = missing;
    return routes;
  }
  const index = file(readFileSync(path.join(dist, 'index.html')), 'index.html', false);
  routes[CONSOLE_PATH] = (_req, res) => {
    res.writeHead(301, { location: `${CONSOLE_PATH}/` });
    res.end();
  };
  routes[`${CONSOLE_PATH}/`] = (req, res) => serve(res, index, req.headers);
  const assets = path.join(dist, 'assets');
  for (const name of existsSync(assets) ? readdirSync(assets) : []) {
    const asset = file(readFileSync(path.join(assets, name)), name, true);
    routes[`${CONSOLE_PATH}/assets/${name}`] = (req, res) => serve(res, asset, req.headers);
  }
  return routes;
}

function serve(
  res: ServerResponse,
  f: File,
  headers: { 'if-none-match'?: string; 'accept-encoding'?: string },
) {
  const out: Record<string, string> = {
    'content-type': f.contentType,
    etag: f.etag,
    'cache-control': f.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
    'x-content-type-options': 'nosniff',
    vary: 'accept-encoding',
  };
  if (f.contentType.startsWith('text/html')) {
    // Only our own origin. ECharts and React set inline styles, hence 'unsafe-inline' for styles only.
    out['content-security-policy'] =
      "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'";
    out['x-frame-options'] = 'DENY';
    out['referrer-policy'] = 'no-referrer';
  }
  if (headers['if-none-match'] === f.etag) {
    res.writeHead(304, out);
    res.end();
    return;
  }
  const gzip = f.gzipped && /\bgzip\b/.test(String(headers['accept-encoding'] ?? ''));
  const body = gzip ? f.gzipped! : f.body;
  if (gzip) out['content-encoding'] = 'gzip';
  res.writeHead(200, { ...out, 'content-length': String(body.length) });
  res.end(body);
}
