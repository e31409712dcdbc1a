/**
 * Who is signed in: a bearer token, pasted (the demo: `npm start` prints one per role) or obtained by
 * OIDC authorization code + PKCE when the gateway announces an issuer (/console/config.json). The role
 * and agency are read from the token's claims only to shape the UI; every request is judged by the API.
 */
export type Role = 'OFFICER' | 'SUPERVISOR' | 'AGENCY' | 'AUDITOR' | 'ADMIN';

export interface Session {
  readonly token: string;
  readonly role: Role;
  readonly subject: string;
  readonly agencyId?: string;
  readonly expiresAt?: number;
}

const KEY = 'dumas.token';
const ROLES: readonly Role[] = ['OFFICER', 'SUPERVISOR', 'AGENCY', 'AUDITOR', 'ADMIN'];

function base64UrlDecode(part: string): string {
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
}

/** The session a token describes, or null when it is not a readable JWT with one of our roles. */
export function sessionOf(raw: string): Session | null {
  const token = raw.trim().replace(/^bearer\s+/i, '');
  const [, payload] = token.split('.');
  if (!payload) return null;
  try {
    const claims = JSON.parse(base64UrlDecode(payload)) as Record<string, unknown>;
    let role = claims.role;
    if (role === undefined) {
      const realm = (claims.realm_access as { roles?: unknown[] } | undefined)?.roles ?? [];
      role = realm.find((r) => ROLES.includes(r as Role));
    }
    if (!ROLES.includes(role as Role)) return null;
    return {
      token,
      role: role as Role,
      subject: String(claims.sub ?? ''),
      ...(typeof claims.agency_id === 'string' ? { agencyId: claims.agency_id } : {}),
      ...(typeof claims.exp === 'number' ? { expiresAt: claims.exp * 1000 } : {}),
    };
  } catch {
    return null;
  }
}

export function loadSession(): Session | null {
  const stored = sessionStorage.getItem(KEY);
  const session = stored ? sessionOf(stored) : null;
  if (session?.expiresAt !== undefined && session.expiresAt < Date.now()) {
    sessionStorage.removeItem(KEY);
    return null;
  }
  return session;
}

export function saveSession(token: string): Session | null {
  const session = sessionOf(token);
  if (session) sessionStorage.setItem(KEY, session.token);
  return session;
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}

/** The page a role lands on. */
export function homeOf(role: Role | undefined): string {
  if (role === 'AGENCY') return '#/inbox';
  if (role === 'ADMIN') return '#/worklist';
  return role ? '#/monitoring' : '#/public/file';
}

// ── OIDC authorization code + PKCE ───────────────────────────────────────────────────────────────

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly scope?: string;
}

const bytes = (n: number) => crypto.getRandomValues(new Uint8Array(n));
const base64Url = (data: Uint8Array) =>
  btoa(String.fromCharCode(...data))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');

async function discovery(
  issuer: string,
): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const res = await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`);
  if (!res.ok) throw new Error(`OIDC discovery answered ${res.status}`);
  return res.json();
}

const redirectUri = () => `${location.origin}/console/`;

/** Sends the browser to the issuer's login page (state and verifier kept for the return). */
export async function beginOidc(config: OidcConfig): Promise<void> {
  const { authorization_endpoint } = await discovery(config.issuer);
  const verifier = base64Url(bytes(32));
  const challenge = base64Url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  const state = base64Url(bytes(16));
  sessionStorage.setItem('dumas.pkce', JSON.stringify({ verifier, state }));
  const url = new URL(authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: config.clientId,
    redirect_uri: redirectUri(),
    scope: config.scope ?? 'openid',
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  }).toString();
  location.assign(url.toString());
}

/** On return from the issuer (?code=&state=): trades the code for a token. Null when not returning. */
export async function completeOidc(config: OidcConfig): Promise<Session | null> {
  const params = new URLSearchParams(location.search);
  const code = params.get('code');
  if (!code) return null;
  const saved = JSON.parse(sessionStorage.getItem('dumas.pkce') ?? 'null') as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem('dumas.pkce');
  history.replaceState(null, '', `${location.pathname}${location.hash}`);
  if (!saved || saved.state !== params.get('state')) throw new Error('OIDC state does not match');
  const { token_endpoint } = await discovery(config.issuer);
  const res = await fetch(token_endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri(),
      client_id: config.clientId,
      code_verifier: saved.verifier,
    }),
  });
  if (!res.ok) throw new Error(`the token endpoint answered ${res.status}`);
  const body = (await res.json()) as { access_token?: string };
  return body.access_token ? saveSession(body.access_token) : null;
}
