import { SignJWT } from 'jose';
import {
  authOptions,
  createAuthenticator,
  DEV_JWT_SECRET,
  mintToken,
  ROLES,
  requireAuthenticated,
  requireRole,
} from '../../services/shared/auth';
import { DomainError } from '../../services/shared/errors';
import { parseTokenArgs } from '../../services/cli/token';
import { loadConfig } from '../../services/shared/config';

const SECRET = 'auth-unit-test-secret-0123456789abcdef';
const auth = createAuthenticator({ secret: SECRET });
const sign = (claims: Record<string, unknown>, exp: string | number = '1h', secret = SECRET) =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject('u-1')
    .setIssuedAt()
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

async function refusal(header: string): Promise<DomainError> {
  try {
    await auth.authenticate(header);
  } catch (err) {
    return err as DomainError;
  }
  throw new Error('expected the token to be refused');
}

describe('authenticate', () => {
  it('treats a request without an Authorization header as public', async () => {
    await expect(auth.authenticate(undefined)).resolves.toBeUndefined();
    await expect(auth.authenticate('')).resolves.toBeUndefined();
  });

  it.each(ROLES.filter((r) => r !== 'AGENCY'))(
    'accepts a %s token and reads its subject and role',
    async (role) => {
      const token = await mintToken({ sub: 'officer-7', role }, SECRET);
      await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({ id: 'officer-7', role });
    },
  );

  it('reads the agency of an AGENCY token from agency_id', async () => {
    const token = await mintToken({ sub: 'pic-1', role: 'AGENCY', agencyId: 'inspektorat-sleman' }, SECRET);
    await expect(auth.authenticate(`bearer ${token}`)).resolves.toEqual({
      id: 'pic-1',
      role: 'AGENCY',
      agencyId: 'inspektorat-sleman',
    });
  });

  it('refuses a token that lives longer than 12 hours, and one without iat (finding 8)', async () => {
    const century = await sign({ role: 'OFFICER' }, '100y');
    expect((await refusal(`Bearer ${century}`)).message).toMatch(/longer than the 12 h/);
    const halfDay = await sign({ role: 'OFFICER' }, '12h');
    await expect(auth.authenticate(`Bearer ${halfDay}`)).resolves.toEqual({ id: 'u-1', role: 'OFFICER' });
    const noIat = await new SignJWT({ role: 'OFFICER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(`Bearer ${noIat}`)).code).toBe('UNAUTHENTICATED');
  });

  it('takes the longest lifetime from DUMAS_TOKEN_MAX_LIFETIME_SECONDS', async () => {
    const options = authOptions(
      loadConfig({ DUMAS_JWT_SECRET: SECRET, DUMAS_TOKEN_MAX_LIFETIME_SECONDS: '3600' }),
    );
    const strict = createAuthenticator(options);
    await expect(strict.authenticate(`Bearer ${await sign({ role: 'ADMIN' }, '2h')}`)).rejects.toThrow(
      /longer than the 1 h/,
    );
    await expect(strict.authenticate(`Bearer ${await sign({ role: 'ADMIN' }, '1h')}`)).resolves.toBeDefined();
  });

  it('refuses a header that is not a bearer token', async () => {
    const err = await refusal('Basic dXNlcjpwYXNz');
    expect(err).toBeInstanceOf(DomainError);
    expect(err.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a token signed with another secret', async () => {
    const err = await refusal(
      `Bearer ${await sign({ role: 'OFFICER' }, '1h', 'another-secret-of-at-least-32-bytes!!')}`,
    );
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toBe('the token is invalid');
  });

  it('refuses an expired token and says so', async () => {
    const err = await refusal(
      `Bearer ${await sign({ role: 'OFFICER' }, Math.floor(Date.now() / 1000) - 60)}`,
    );
    expect(err.code).toBe('UNAUTHENTICATED');
    expect(err.message).toBe('the token has expired');
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ role: 'OFFICER' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .sign(new TextEncoder().encode(SECRET));
    expect((await refusal(`Bearer ${token}`)).code).toBe('UNAUTHENTICATED');
  });

  it('refuses an unknown role and an AGENCY token without agency_id', async () => {
    expect((await refusal(`Bearer ${await sign({ role: 'PRESIDENT' })}`)).message).toMatch(
      /role must be one of/,
    );
    expect((await refusal(`Bearer ${await sign({ role: 'AGENCY' })}`)).message).toMatch(/agency_id/);
  });

  it('refuses an unsigned (alg none) token', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'x', role: 'ADMIN', exp: Math.floor(Date.now() / 1000) + 600 }),
    ).toString('base64url');
    expect((await refusal(`Bearer ${header}.${payload}.`)).code).toBe('UNAUTHENTICATED');
  });

  it('takes a single dumas role from Keycloak realm roles when no role claim is set', async () => {
    const token = await sign({ realm_access: { roles: ['offline_access', 'AUDITOR'] } });
    await expect(auth.authenticate(`Bearer ${token}`)).resolves.toEqual({ id: 'u-1', role: 'AUDITOR' });
  });
});

describe('guards', () => {
  const officer = { principal: { id: 'o', role: 'OFFICER' as const } };

  it('requireAuthenticated refuses a public caller with UNAUTHENTICATED', () => {
    expect(() => requireAuthenticated({})).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(requireAuthenticated(officer)).toBe(officer.principal);
  });

  it('requireRole refuses another role with FORBIDDEN and accepts a listed one', () => {
    expect(() => requireRole(officer, 'ADMIN')).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
    expect(() => requireRole({}, 'ADMIN')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
    expect(requireRole(officer, 'SUPERVISOR', 'OFFICER')).toBe(officer.principal);
  });
});

describe('configuration from the environment', () => {
  const authOptionsFromEnv = (env: Record<string, string>) => authOptions(loadConfig(env));
  it('uses the labelled development secret outside production only', () => {
    expect(authOptionsFromEnv({ NODE_ENV: 'development' }).secret).toBe(DEV_JWT_SECRET);
    expect(() => authOptionsFromEnv({ NODE_ENV: 'production' })).toThrow(
      /DUMAS_JWKS_URL or DUMAS_JWT_SECRET/,
    );
    expect(() => authOptionsFromEnv({ NODE_ENV: 'production', DUMAS_JWT_SECRET: DEV_JWT_SECRET })).toThrow(
      /development JWT secret/,
    );
  });

  it('refuses a short secret and passes JWKS, issuer and audience through', () => {
    expect(() => authOptionsFromEnv({ DUMAS_JWT_SECRET: 'short' })).toThrow(/at least 32 bytes/);
    expect(
      authOptionsFromEnv({
        NODE_ENV: 'production',
        DUMAS_JWKS_URL: 'https://sso.example.go.id/realms/dumas/protocol/openid-connect/certs',
        DUMAS_JWT_ISSUER: 'https://sso.example.go.id/realms/dumas',
        DUMAS_JWT_AUDIENCE: 'dumas',
      }),
    ).toEqual({
      jwksUrl: 'https://sso.example.go.id/realms/dumas/protocol/openid-connect/certs',
      issuer: 'https://sso.example.go.id/realms/dumas',
      audience: 'dumas',
    });
  });

  it('checks issuer and audience when configured', async () => {
    const strict = createAuthenticator({ secret: SECRET, issuer: 'dumas-idp', audience: 'dumas' });
    const good = await mintToken({ sub: 's', role: 'ADMIN', issuer: 'dumas-idp', audience: 'dumas' }, SECRET);
    const other = await mintToken(
      { sub: 's', role: 'ADMIN', issuer: 'elsewhere', audience: 'dumas' },
      SECRET,
    );
    await expect(strict.authenticate(`Bearer ${good}`)).resolves.toEqual({ id: 's', role: 'ADMIN' });
    await expect(strict.authenticate(`Bearer ${other}`)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('npm run token arguments', () => {
  it('builds an AGENCY token request with a default subject', () => {
    expect(parseTokenArgs(['--role', 'agency', '--agency', 'inspektorat-diy', '--ttl', '30m'])).toEqual({
      sub: 'pic-inspektorat-diy',
      role: 'AGENCY',
      agencyId: 'inspektorat-diy',
      ttl: '30m',
    });
  });

  it('refuses a missing agency, an unknown role, an unknown flag and a bad ttl', () => {
    expect(() => parseTokenArgs(['--role', 'AGENCY'])).toThrow(/--agency/);
    expect(() => parseTokenArgs(['--role', 'KING'])).toThrow(/--role must be one of/);
    expect(() => parseTokenArgs(['--role', 'ADMIN', '--realm', 'x'])).toThrow(/unknown option --realm/);
    expect(() => parseTokenArgs(['--role', 'ADMIN', '--ttl', 'forever'])).toThrow(/--ttl/);
  });
});
