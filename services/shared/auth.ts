/**
 * Bearer-token authentication shared by the gateway and every subgraph.
 *
 * The gateway forwards the caller's Authorization header and each subgraph verifies it again, so a
 * request sent straight to a subgraph (`_entities` included) learns no more than the same request
 * through the gateway. Two modes:
 * - HS256 with a shared secret (`DUMAS_JWT_SECRET`) for local use and tests; outside production a
 *   clearly-labelled development secret is used when none is set.
 * - A JWKS URL (`DUMAS_JWKS_URL`, with `DUMAS_JWT_ISSUER` / `DUMAS_JWT_AUDIENCE`) for OIDC providers
 *   such as Keycloak; asymmetric algorithms only.
 * Claims: `sub`, `role` (one of ROLES), `agency_id` for AGENCY, `iat` and `exp` (required; a token may
 * live at most `maxLifetimeSeconds`, default 12 h, so a leaked long-lived token is not a key for years).
 */
import {
  createRemoteJWKSet,
  decodeJwt,
  type JWTPayload,
  type JWTVerifyGetKey,
  jwtVerify,
  SignJWT,
} from 'jose';
import { type DumasConfig, loadConfig } from './config';
import type { Actor } from './eventstore/types';
import { forbidden, unauthenticated } from './errors';

export const ROLES = ['OFFICER', 'SUPERVISOR', 'AGENCY', 'AUDITOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === 'string' && ROLES.includes(value as Role);

/** Who is calling. Structurally an event-store `Actor`, so it goes straight into command metadata. */
export interface Principal extends Actor {
  /** The token's `sub`. */
  readonly id: string;
  readonly role: Role;
  /** Set for AGENCY only: the agency whose focal point this is. */
  readonly agencyId?: string;
}

/** What resolvers receive; guards accept anything that carries an optional principal. */
export interface AuthContext {
  readonly principal?: Principal;
}

/** Only for development and tests: never accepted when NODE_ENV is production. */
export const DEV_JWT_SECRET = 'dumas-development-secret-NOT-FOR-PRODUCTION-use-DUMAS_JWT_SECRET';

const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'EdDSA',
];

export interface AuthOptions {
  /** HS256 shared secret. */
  readonly secret?: string;
  /** JWKS endpoint of an OIDC provider; takes precedence over `secret`. */
  readonly jwksUrl?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** Tolerated clock skew between issuer and verifier. Default 5 s. */
  readonly clockToleranceSeconds?: number;
  /** The longest a token may live, `exp - iat` (DUMAS_TOKEN_MAX_LIFETIME_SECONDS). Default 12 h. */
  readonly maxLifetimeSeconds?: number;
}

export const DEFAULT_TOKEN_MAX_LIFETIME_SECONDS = 12 * 60 * 60;

/** Token verification as configured, with the development secret outside production only. */
export function authOptions(config: Pick<DumasConfig, 'production' | 'auth'>): AuthOptions {
  const { production } = config;
  const { jwksUrl, issuer, audience, maxTokenLifetimeSeconds } = config.auth;
  let secret = config.auth.secret;
  if (!jwksUrl && !secret) {
    if (production) throw new Error('NODE_ENV=production needs DUMAS_JWKS_URL or DUMAS_JWT_SECRET');
    secret = DEV_JWT_SECRET;
  }
  if (production && secret === DEV_JWT_SECRET) {
    throw new Error('the development JWT secret must not be used with NODE_ENV=production');
  }
  return {
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(secret ? { secret } : {}),
    ...(issuer ? { issuer } : {}),
    ...(audience ? { audience } : {}),
    ...(maxTokenLifetimeSeconds !== undefined ? { maxLifetimeSeconds: maxTokenLifetimeSeconds } : {}),
  };
}

export interface Authenticator {
  /**
   * `undefined` when there is no Authorization header (a public caller); a Principal for a valid
   * bearer token; throws UNAUTHENTICATED for anything else (malformed, bad signature, expired, bad claims).
   */
  authenticate(authorizationHeader: string | undefined | null): Promise<Principal | undefined>;
}

export function createAuthenticator(options: AuthOptions): Authenticator {
  let key: Uint8Array | JWTVerifyGetKey;
  let algorithms: string[];
  if (options.jwksUrl) {
    key = createRemoteJWKSet(new URL(options.jwksUrl));
    algorithms = ASYMMETRIC_ALGORITHMS;
  } else if (options.secret) {
    key = new TextEncoder().encode(options.secret);
    algorithms = ['HS256'];
  } else {
    throw new Error('authentication needs a JWKS URL or a shared secret');
  }
  const maxLifetime = options.maxLifetimeSeconds ?? DEFAULT_TOKEN_MAX_LIFETIME_SECONDS;
  const verifyOptions = {
    algorithms,
    requiredClaims: ['exp', 'iat', 'sub'],
    clockTolerance: options.clockToleranceSeconds ?? 5,
    ...(options.issuer ? { issuer: options.issuer } : {}),
    ...(options.audience ? { audience: options.audience } : {}),
  };

  // Verified tokens by their exact text (signature included) until they expire: the gateway and every
  // subgraph see the same token on each request of a session, and a signature check per hop is the
  // largest CPU cost of a small query. Bounded; the oldest entry goes first.
  const verified = new Map<string, { readonly principal: Principal; readonly expiresAtMs: number }>();
  const CACHE_SIZE = 10_000;

  return {
    async authenticate(header) {
      if (header === undefined || header === null || header === '') return undefined;
      const match = /^Bearer\s+([A-Za-z0-9._~+/-]+=*)\s*$/i.exec(header);
      if (!match) throw unauthenticated('the Authorization header must be "Bearer <token>"');
      const token = match[1]!;
      const hit = verified.get(token);
      if (hit) {
        if (Date.now() < hit.expiresAtMs) return hit.principal;
        verified.delete(token);
      }
      let payload: JWTPayload;
      try {
        // jose's overloads differ for a key and a key-set function; both verify the same way.
        payload =
          typeof key === 'function'
            ? (await jwtVerify(token, key, verifyOptions)).payload
            : (await jwtVerify(token, key, verifyOptions)).payload;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code === 'ERR_JWT_EXPIRED') throw unauthenticated('the token has expired');
        if (code === 'ERR_JWKS_TIMEOUT' || code === 'ERR_JOSE_GENERIC') {
          throw unauthenticated('the token could not be verified right now');
        }
        throw unauthenticated('the token is invalid');
      }
      // jose checked that both are present and that iat is not in the future.
      if ((payload.exp as number) - (payload.iat as number) > maxLifetime)
        throw unauthenticated(`the token lives longer than the ${maxLifetime / 3600} h this service accepts`);
      const principal = principalFromClaims(payload);
      if (typeof payload.exp === 'number') {
        if (verified.size >= CACHE_SIZE) verified.delete(verified.keys().next().value!);
        verified.set(token, { principal, expiresAtMs: payload.exp * 1000 });
      }
      return principal;
    },
  };
}

/**
 * An authenticator that also asks, of every verified principal, whether it still holds (e.g. an AGENCY
 * token's focal point still speaks for its agency): a valid signature is not enough once the directory
 * has moved on.
 */
export function checkedAuthenticator(
  inner: Authenticator,
  stillHolds: (principal: Principal) => Promise<boolean>,
): Authenticator {
  return {
    async authenticate(header) {
      const principal = await inner.authenticate(header);
      if (principal && !(await stillHolds(principal)))
        throw unauthenticated("the token's focal point no longer speaks for its agency");
      return principal;
    },
  };
}

/** Reads our claims; Keycloak realms that only carry `realm_access.roles` work when exactly one is ours. */
export function principalFromClaims(payload: JWTPayload): Principal {
  const sub = payload.sub;
  if (typeof sub !== 'string' || sub.length === 0) throw unauthenticated('the token has no subject');
  let role: unknown = payload.role;
  if (role === undefined) {
    const realmRoles = (payload.realm_access as { roles?: unknown } | undefined)?.roles;
    const ours = Array.isArray(realmRoles) ? realmRoles.filter(isRole) : [];
    if (ours.length === 1) role = ours[0];
  }
  if (!isRole(role)) throw unauthenticated(`the token's role must be one of ${ROLES.join(', ')}`);
  if (role === 'AGENCY') {
    const agencyId = payload.agency_id;
    if (typeof agencyId !== 'string' || agencyId.length === 0) {
      throw unauthenticated('an AGENCY token must carry agency_id');
    }
    return { id: sub, role, agencyId };
  }
  return { id: sub, role };
}

let defaultAuthenticator: Authenticator | undefined;

/** The process-wide authenticator of the process's configuration (built on first use). */
export function defaultAuth(): Authenticator {
  defaultAuthenticator ??= createAuthenticator(authOptions(loadConfig()));
  return defaultAuthenticator;
}

/** Verifies a header with the environment's configuration; see Authenticator.authenticate. */
export function authenticate(authorizationHeader: string | undefined | null): Promise<Principal | undefined> {
  return defaultAuth().authenticate(authorizationHeader);
}

export interface MintTokenInput {
  readonly sub: string;
  readonly role: Role;
  readonly agencyId?: string;
  /** jose time span such as `8h`, `30m`, `7d`; default `8h`. */
  readonly ttl?: string;
  readonly issuer?: string;
  readonly audience?: string;
}

/** Signs an HS256 token for development, tests and the `npm run token` script. */
export async function mintToken(input: MintTokenInput, secret?: string): Promise<string> {
  if (!isRole(input.role)) throw new Error(`role must be one of ${ROLES.join(', ')}`);
  if (input.role === 'AGENCY' && !input.agencyId) throw new Error('an AGENCY token needs an agency id');
  const key = secret ?? authOptions(loadConfig()).secret;
  if (!key) throw new Error('minting needs DUMAS_JWT_SECRET (JWKS mode verifies tokens issued elsewhere)');
  const jwt = new SignJWT({
    role: input.role,
    ...(input.role === 'AGENCY' ? { agency_id: input.agencyId } : {}),
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(input.sub)
    .setIssuedAt()
    .setExpirationTime(input.ttl ?? '8h');
  if (input.issuer) jwt.setIssuer(input.issuer);
  if (input.audience) jwt.setAudience(input.audience);
  return jwt.sign(new TextEncoder().encode(key));
}

/**
 * Seconds-since-epoch expiry of a bearer header already verified, if it has one: a subscription (at the
 * gateway and at the subgraph) ends when its token does.
 */
export function tokenExpiry(authorization: string | undefined): number | undefined {
  const token = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
  if (!token) return undefined;
  try {
    const exp = decodeJwt(token).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** The caller's principal, or UNAUTHENTICATED for a public caller. */
export function requireAuthenticated(ctx: AuthContext): Principal {
  if (!ctx.principal) throw unauthenticated();
  return ctx.principal;
}

/** The caller's principal when its role is one of `roles`; UNAUTHENTICATED or FORBIDDEN otherwise. */
export function requireRole(ctx: AuthContext, ...roles: readonly Role[]): Principal {
  const principal = requireAuthenticated(ctx);
  requireActorRole(principal, ...roles);
  return principal;
}

/** FORBIDDEN unless an actor (of a command, say) has one of `roles`. */
export function requireActorRole(actor: Pick<Actor, 'role'>, ...roles: readonly Role[]): void {
  if (!roles.includes(actor.role as Role)) {
    throw forbidden(`this needs the role ${roles.join(' or ')}; the caller is ${actor.role}`);
  }
}
