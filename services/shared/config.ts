/**
 * The one reading of the environment: every setting of every process, typed, with a section per
 * subgraph, validated when a process starts. A bad value stops the process with a message that names the
 * variable. Nothing below this module reads `process.env`; code gets its settings from `runtime.config`
 * (subgraphs) or from `loadConfig()` at a process's entry (gateway, CLIs).
 *
 * Adding a setting: a field in its section's interface below and one line in that section's reader
 * (`int(...)`, `text(...)`, `flag(...)`), with its default. Nothing else reads the variable.
 */
import path from 'node:path';
import { SUBGRAPHS } from '../subgraphs';
import { parseMasterKey } from './pii/vault';
import { type GatewayLimits, LIMIT_ENV } from './graphql/limit-settings';

/** Where events and read models live. One place decides; sqlite needs no setting at all. */
export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string };

export type VaultConfig = { readonly masterKey?: Buffer } & (
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string }
);

/** Token verification as configured; the production refusals are applied where tokens are verified (auth.ts). */
export interface AuthSettings {
  readonly jwksUrl?: string;
  readonly secret?: string;
  readonly issuer?: string;
  readonly audience?: string;
  /** DUMAS_TOKEN_MAX_LIFETIME_SECONDS: the longest a token may live (`exp - iat`); default 12 h. */
  readonly maxTokenLifetimeSeconds?: number;
}

/** The audit wing (mounted into the complaint subgraph): signed checkpoints of the stream heads. */
export interface AuditConfig {
  /** Milliseconds between signed checkpoints; 0 turns them off. */
  readonly checkpointIntervalMs: number;
  /** Ed25519 keys as PEM or base64 DER (or the private key's file); else a development key under the data dir. */
  readonly checkpointPrivateKey?: string;
  readonly checkpointPrivateKeyFile?: string;
  readonly checkpointPublicKey?: string;
  /** A directory outside the data dir that receives each signed head (DUMAS_CHECKPOINT_WITNESS_DIR). */
  readonly witnessDir?: string;
}

export interface LetterNumberingConfig {
  /**
   * Placeholders: `{seq}` (or `{seq:4}` zero-padded to 4 digits), `{unit}`, `{classification}`, `{MM}` (01-12),
   * `{M}` (1-12), `{ROMAN_MONTH}` (I-XII), `{YYYY}`, `{YY}`. `{seq}` and a year are required.
   */
  readonly template: string;
  /** Unit code, e.g. `Kemensetneg/D-4`. */
  readonly unit: string;
  /** Archive classification code (kode klasifikasi), e.g. `PM.00.01`. */
  readonly classification: string;
  /** Per-kind classification codes (by letter kind); kinds not listed use `classification`. */
  readonly classificationByKind?: Readonly<Partial<Record<string, string>>>;
  /** Offset from UTC of the zone years and months are counted in, in minutes (WIB = 420). */
  readonly utcOffsetMinutes: number;
}

export type BlobStoreConfig =
  | { readonly kind: 'sqlite'; readonly file: string }
  | { readonly kind: 'postgres'; readonly url: string };

/**
 * `starttls` (default, port 587): plain SMTP upgraded with STARTTLS, refused if the server cannot;
 * `tls` (port 465): TLS from the first byte; `none` (port 25): never encrypted, for a trusted relay.
 */
export type SmtpSecurity = 'starttls' | 'tls' | 'none';

export type DeliveryConfig =
  | { readonly kind: 'outbox'; readonly dir: string; readonly from: string }
  | {
      readonly kind: 'smtp';
      readonly host: string;
      readonly port: number;
      readonly from: string;
      readonly security: SmtpSecurity;
      readonly user?: string;
      readonly password?: string;
      /** Longest wait for the connection or any one SMTP reply. */
      readonly timeoutMs?: number;
      /** Where a copy of each message is kept, named like the outbox's files. */
      readonly dir: string;
    };

/** The correspondence subgraph. Every default is DOMAIN.md's. */
export interface CorrespondenceConfig {
  readonly numbering: LetterNumberingConfig;
  readonly blobs: BlobStoreConfig;
  readonly delivery: DeliveryConfig;
  /** Largest attachment accepted in an upload, in bytes (decoded). */
  readonly maxAttachmentBytes: number;
  /** Working days an agency has to answer a follow-up request or reminder before a reminder is drafted. */
  readonly followUpWorkingDays: number;
  /** Reminders drafted at most per follow-up request. */
  readonly maxReminders: number;
  /** How often the reminder flow looks for deadlines that passed; 0 disables the timer (tests tick by hand). */
  readonly reminderTickMs: number;
}

/** The evaluation subgraph. */
export interface EvaluationConfig {
  /** Milliseconds between breach-scheduler ticks; 0 or less: no ticking on its own. */
  readonly schedulerIntervalMs: number;
}

export interface GatewayConfig {
  readonly supergraphPath?: string;
  readonly introspectAndCompose: boolean;
  readonly fetcher: 'undici' | 'stock';
  readonly graphiql: boolean;
  readonly trustProxy: boolean;
  /** Subgraph name → URL, from DUMAS_SUBGRAPH_<NAME>_URL, over what the supergraph records. */
  readonly subgraphUrls: Readonly<Record<string, string>>;
  /** The console's OIDC sign-in (DUMAS_OIDC_ISSUER, DUMAS_OIDC_CLIENT_ID, DUMAS_OIDC_SCOPE). */
  readonly oidc?: { readonly issuer: string; readonly clientId: string; readonly scope?: string };
}

/** Where `/metrics` is served: its own listener when DUMAS_METRICS_PORT is set (see services/shared/metrics.ts). */
export interface MetricsConfig {
  readonly port?: number;
  readonly host: string;
}

export interface ImapChannelConfig {
  readonly host: string;
  readonly port: number;
  /** `tls`: TLS from the first byte (993); `starttls`: upgraded, refused if the server cannot (143); `none`: a local test server only. */
  readonly security: 'tls' | 'starttls' | 'none';
  readonly user: string;
  readonly password: string;
  readonly mailbox: string;
  /** How often the mailbox is looked at when IDLE brings no news. */
  readonly pollMs: number;
}

export interface WhatsAppChannelConfig {
  /** The token Meta echoes in the subscription check (`hub.verify_token`). */
  readonly verifyToken: string;
  /** The app secret: X-Hub-Signature-256 is the HMAC-SHA256 of the raw body with it. */
  readonly appSecret: string;
  /** A system user's access token for the Cloud API (sending, media download). */
  readonly accessToken: string;
  /** The business phone number's id in the Cloud API. */
  readonly phoneNumberId: string;
  /** The Graph API with its version, e.g. `https://graph.facebook.com/v21.0`. */
  readonly apiBaseUrl: string;
  /** Messages of one sender within this many minutes of the first make one complaint. */
  readonly windowMinutes: number;
}

/** The SP4N-LAPOR! exchange (services/channels/lapor.ts; the contract is in the README). */
export interface LaporChannelConfig {
  /** The exchange's base URL, e.g. `https://api.lapor.go.id/exchange/v1` (DUMAS_LAPOR_API_URL). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>` on every call (DUMAS_LAPOR_TOKEN). */
  readonly token: string;
  /** How often new reports are pulled once the worker has caught up. */
  readonly pollMs: number;
  /** Reports asked for per page (`limit`). */
  readonly pageSize: number;
  /** First delay before a failed status push is tried again (doubled each time, at most 5 s apart). */
  readonly retryMs: number;
  /** Longest wait for one HTTP answer. */
  readonly timeoutMs: number;
}

export interface ChannelSettings {
  /** DUMAS_CHANNEL_SECRET, decoded; absent: one is generated under the data directory (services/channels/config.ts). */
  readonly secret?: Buffer;
  readonly email?: ImapChannelConfig;
  readonly whatsapp?: WhatsAppChannelConfig;
  readonly lapor?: LaporChannelConfig;
}

export interface DumasConfig {
  /** NODE_ENV=production. */
  readonly production: boolean;
  /** PORT and HOST of this process (each process has its default port). */
  readonly port?: number;
  readonly host?: string;
  /**
   * Where a subgraph listens (DUMAS_SUBGRAPH_HOST, default 127.0.0.1): only this host can reach it, so
   * callers go through the gateway.
   */
  readonly subgraphHost: string;
  /**
   * The secret the gateway signs its subgraph calls with (DUMAS_GATEWAY_SECRET, at least 32 bytes; the
   * gateway and every subgraph need the same one). Absent: a development secret under dataDir.
   */
  readonly gatewaySecret?: string;
  /**
   * Subgraphs answer only calls the gateway signed (DUMAS_SUBGRAPH_GATEWAY_ONLY; default on in
   * production, off otherwise so that tools and tests can ask a subgraph directly).
   */
  readonly subgraphGatewayOnly: boolean;
  readonly logLevel?: string;
  /**
   * How long `npm start` waits for a service to be ready (DUMAS_START_READY_TIMEOUT_MS, default 30 min): a
   * service rebuilding its read models over a big log is alive and busy, not stuck.
   */
  readonly startReadyTimeoutMs: number;
  readonly dataDir: string;
  readonly store: StoreConfig;
  /** Read models: a SQLite file per subgraph under dataDir, or a PostgreSQL schema per subgraph. */
  readonly readModels:
    | { readonly kind: 'sqlite'; readonly dir: string }
    | { readonly kind: 'postgres'; readonly url: string };
  readonly vault: VaultConfig;
  readonly auth: AuthSettings;
  readonly audit: AuditConfig;
  readonly correspondence: CorrespondenceConfig;
  readonly evaluation: EvaluationConfig;
  readonly gateway: GatewayConfig;
  readonly metrics: MetricsConfig;
  /**
   * The server secret the complainants' access codes are hashed under (HMAC-SHA-256), from
   * DUMAS_ACCESS_CODE_SECRET (at least 32 bytes). Every process that files or tracks complaints needs the
   * same one. Absent: a random one is kept under dataDir (services/complaint/access-codes.ts).
   */
  readonly accessCodeSecret?: string;
  /**
   * Overrides of the request limits (DUMAS_LIMIT_*, see services/shared/graphql/limits.ts): one rule set
   * for the gateway and the subgraphs.
   */
  readonly limits: Partial<GatewayLimits>;
  /** The intake channels (services/channels): e-mail in over IMAP, the WhatsApp Cloud API webhook, the SP4N-LAPOR! exchange. */
  readonly channels: ChannelSettings;
  /**
   * DUMAS_REPLICA_ID: this process is one of several replicas of its service on PostgreSQL (1-16 lower-case
   * letters, digits or _; it becomes part of a schema name).
   */
  readonly replicaId?: string;
}

/** A setting that cannot be used; the message names the variable and never echoes a secret. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export type Env = Readonly<Record<string, string | undefined>>;

export const DEFAULT_LETTER_NUMBER_TEMPLATE = 'B-{seq}/{unit}/{classification}/{MM}/{YYYY}';

export const DEFAULT_LETTER_NUMBERING: LetterNumberingConfig = {
  template: DEFAULT_LETTER_NUMBER_TEMPLATE,
  unit: 'Kemensetneg/D-4',
  classification: 'PM.00.01',
  utcOffsetMinutes: 7 * 60,
};

/** The readers every section uses: unset or empty means the default. */
function readers(env: Env) {
  const given = (name: string) => {
    const raw = env[name];
    return raw === undefined || raw === '' ? undefined : raw;
  };
  return {
    text: (name: string, fallback?: string) => given(name) ?? fallback,
    int(name: string, fallback: number, min = 0): number {
      const raw = given(name);
      if (raw === undefined) return fallback;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < min)
        throw new ConfigError(`${name} must be a whole number ≥ ${min}`);
      return value;
    },
    optionalInt(name: string, min = 0): number | undefined {
      const raw = given(name);
      if (raw === undefined) return undefined;
      const value = Number(raw);
      if (!Number.isSafeInteger(value) || value < min)
        throw new ConfigError(`${name} must be a whole number ≥ ${min}`);
      return value;
    },
    flag: (name: string) => given(name) === 'true' || given(name) === '1',
    oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T {
      const raw = (given(name) ?? fallback).toLowerCase();
      if (!(choices as readonly string[]).includes(raw))
        throw new ConfigError(`${name} must be ${choices.join(', ').replace(/, ([^,]*)$/, ' or $1')}`);
      return raw as T;
    },
  };
}

function storeSection(env: Env, dataDir: string): StoreConfig {
  const kind = (env.DUMAS_STORE ?? 'sqlite').toLowerCase();
  switch (kind) {
    case 'sqlite':
      return { kind, file: env.DUMAS_SQLITE_FILE ?? path.join(dataDir, 'events.sqlite') };
    case 'postgres':
    case 'postgresql': {
      const url = env.DUMAS_POSTGRES_URL ?? env.DATABASE_URL;
      if (!url) throw new ConfigError('DUMAS_STORE=postgres needs DUMAS_POSTGRES_URL');
      return { kind: 'postgres', url };
    }
    case 'eventstoredb':
    case 'esdb': {
      const url = env.DUMAS_EVENTSTORE_URL ?? env.EVENTSTORE_URL;
      if (!url)
        throw new ConfigError(
          'DUMAS_STORE=eventstoredb needs DUMAS_EVENTSTORE_URL (esdb://host:2113?tls=false)',
        );
      return { kind: 'eventstoredb', url };
    }
    default:
      throw new ConfigError(`DUMAS_STORE must be sqlite, postgres or eventstoredb (got ${kind})`);
  }
}

function parseUtcOffset(text: string): number {
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text.trim());
  if (!m) throw new ConfigError(`DUMAS_LETTER_UTC_OFFSET must look like +07:00 (got ${text})`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function correspondenceSection(env: Env, dataDir: string, store: StoreConfig): CorrespondenceConfig {
  const r = readers(env);
  const blobUrl = env.DUMAS_BLOB_POSTGRES_URL ?? (store.kind === 'postgres' ? store.url : undefined);
  const from = env.DUMAS_MAIL_FROM ?? 'dumas@setneg.go.id';
  const outboxDir = env.DUMAS_OUTBOX_DIR ?? path.join(dataDir, 'outbox');
  const smtpHost = env.DUMAS_SMTP_HOST;
  const security = env.DUMAS_SMTP_SECURE || 'starttls';
  if (security !== 'starttls' && security !== 'tls' && security !== 'none')
    throw new ConfigError('DUMAS_SMTP_SECURE must be starttls, tls or none');
  const delivery: DeliveryConfig = smtpHost
    ? {
        kind: 'smtp',
        host: smtpHost,
        port: r.int('DUMAS_SMTP_PORT', security === 'tls' ? 465 : security === 'none' ? 25 : 587, 1),
        security,
        timeoutMs: r.int('DUMAS_SMTP_TIMEOUT_MS', 60_000, 1),
        from,
        ...(env.DUMAS_SMTP_USER ? { user: env.DUMAS_SMTP_USER } : {}),
        ...(env.DUMAS_SMTP_PASSWORD ? { password: env.DUMAS_SMTP_PASSWORD } : {}),
        dir: outboxDir,
      }
    : { kind: 'outbox', dir: outboxDir, from };
  return {
    numbering: {
      template: env.DUMAS_LETTER_NUMBER_TEMPLATE ?? DEFAULT_LETTER_NUMBERING.template,
      unit: env.DUMAS_LETTER_UNIT ?? DEFAULT_LETTER_NUMBERING.unit,
      classification: env.DUMAS_LETTER_CLASSIFICATION ?? DEFAULT_LETTER_NUMBERING.classification,
      utcOffsetMinutes: env.DUMAS_LETTER_UTC_OFFSET
        ? parseUtcOffset(env.DUMAS_LETTER_UTC_OFFSET)
        : DEFAULT_LETTER_NUMBERING.utcOffsetMinutes,
    },
    blobs: blobUrl
      ? { kind: 'postgres', url: blobUrl }
      : { kind: 'sqlite', file: env.DUMAS_BLOB_FILE ?? path.join(dataDir, 'blobs.sqlite') },
    delivery,
    maxAttachmentBytes: r.int('DUMAS_ATTACHMENT_MAX_BYTES', 5 * 1024 * 1024, 1),
    followUpWorkingDays: r.int('DUMAS_FOLLOW_UP_WORKING_DAYS', 5, 1),
    maxReminders: r.int('DUMAS_MAX_REMINDERS', 3, 0),
    reminderTickMs: r.int('DUMAS_REMINDER_TICK_MS', 60_000, 0),
  };
}

/** `complaint` → `DUMAS_SUBGRAPH_COMPLAINT_URL`. */
export const subgraphUrlEnvName = (name: string) =>
  `DUMAS_SUBGRAPH_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_URL`;

function channelsSection(env: Env): ChannelSettings {
  const r = readers(env);
  const required = (name: string, because: string): string => {
    const value = r.text(name);
    if (!value) throw new ConfigError(`${name} is required when ${because} is set`);
    return value;
  };
  const given = r.text('DUMAS_CHANNEL_SECRET');
  const secret = given ? Buffer.from(given, 'base64') : undefined;
  if (secret && secret.length < 32)
    throw new ConfigError('DUMAS_CHANNEL_SECRET must be at least 32 bytes, base64');
  const imapHost = r.text('DUMAS_IMAP_HOST');
  let email: ImapChannelConfig | undefined;
  if (imapHost) {
    const security = r.oneOf('DUMAS_IMAP_SECURE', ['tls', 'starttls', 'none'] as const, 'tls');
    email = {
      host: imapHost,
      port: r.int('DUMAS_IMAP_PORT', security === 'tls' ? 993 : 143, 1),
      security,
      user: required('DUMAS_IMAP_USER', 'DUMAS_IMAP_HOST'),
      password: required('DUMAS_IMAP_PASSWORD', 'DUMAS_IMAP_HOST'),
      mailbox: r.text('DUMAS_IMAP_MAILBOX', 'INBOX')!,
      pollMs: r.int('DUMAS_IMAP_POLL_MS', 60_000, 1),
    };
  }
  const appSecret = r.text('DUMAS_WHATSAPP_APP_SECRET');
  let whatsapp: WhatsAppChannelConfig | undefined;
  if (appSecret) {
    const because = 'DUMAS_WHATSAPP_APP_SECRET';
    whatsapp = {
      appSecret,
      verifyToken: required('DUMAS_WHATSAPP_VERIFY_TOKEN', because),
      accessToken: required('DUMAS_WHATSAPP_ACCESS_TOKEN', because),
      phoneNumberId: required('DUMAS_WHATSAPP_PHONE_NUMBER_ID', because),
      apiBaseUrl: r.text('DUMAS_WHATSAPP_API_URL', 'https://graph.facebook.com/v21.0')!.replace(/\/+$/, ''),
      windowMinutes: r.int('DUMAS_WHATSAPP_WINDOW_MINUTES', 30, 1),
    };
  }
  const laporUrl = r.text('DUMAS_LAPOR_API_URL');
  let lapor: LaporChannelConfig | undefined;
  if (laporUrl) {
    if (!/^https?:\/\//.test(laporUrl)) throw new ConfigError('DUMAS_LAPOR_API_URL must be an http(s) URL');
    lapor = {
      baseUrl: laporUrl.replace(/\/+$/, ''),
      token: required('DUMAS_LAPOR_TOKEN', 'DUMAS_LAPOR_API_URL'),
      pollMs: r.int('DUMAS_LAPOR_POLL_MS', 5 * 60_000, 1),
      pageSize: Math.min(r.int('DUMAS_LAPOR_PAGE_SIZE', 100, 1), 1000),
      retryMs: r.int('DUMAS_LAPOR_RETRY_MS', 1_000, 1),
      timeoutMs: r.int('DUMAS_LAPOR_TIMEOUT_MS', 30_000, 1),
    };
  }
  return {
    ...(secret ? { secret } : {}),
    ...(email ? { email } : {}),
    ...(whatsapp ? { whatsapp } : {}),
    ...(lapor ? { lapor } : {}),
  };
}

function gatewaySection(env: Env): GatewayConfig {
  const r = readers(env);
  const subgraphUrls: Record<string, string> = {};
  for (const { name } of SUBGRAPHS) {
    const url = r.text(subgraphUrlEnvName(name));
    if (url) subgraphUrls[name] = url;
  }
  // The console's sign-in by OIDC (authorization code + PKCE) when both are set.
  const oidcIssuer = r.text('DUMAS_OIDC_ISSUER');
  const oidcClientId = r.text('DUMAS_OIDC_CLIENT_ID');
  const oidcScope = r.text('DUMAS_OIDC_SCOPE');
  return {
    ...(env.DUMAS_SUPERGRAPH ? { supergraphPath: path.resolve(env.DUMAS_SUPERGRAPH) } : {}),
    introspectAndCompose: r.flag('DUMAS_INTROSPECT'),
    fetcher: r.oneOf('DUMAS_GATEWAY_FETCHER', ['undici', 'stock'] as const, 'undici'),
    graphiql: r.flag('DUMAS_GRAPHIQL'),
    trustProxy: r.flag('DUMAS_TRUST_PROXY'),
    subgraphUrls,
    ...(oidcIssuer && oidcClientId
      ? {
          oidc: {
            issuer: oidcIssuer,
            clientId: oidcClientId,
            ...(oidcScope ? { scope: oidcScope } : {}),
          },
        }
      : {}),
  };
}

export function loadConfig(env: Env = process.env): DumasConfig {
  const r = readers(env);
  const dataDir = path.resolve(env.DUMAS_DATA_DIR ?? './data');
  const store = storeSection(env, dataDir);
  const readModelUrl =
    env.DUMAS_READMODEL_POSTGRES_URL ?? (store.kind === 'postgres' ? store.url : undefined);
  const readModels = readModelUrl
    ? ({ kind: 'postgres', url: readModelUrl } as const)
    : ({ kind: 'sqlite', dir: path.join(dataDir, 'readmodels') } as const);
  let masterKey: Buffer | undefined;
  try {
    masterKey = parseMasterKey(env.DUMAS_VAULT_MASTER_KEY);
  } catch {
    throw new ConfigError('DUMAS_VAULT_MASTER_KEY must be 32 bytes, base64-encoded');
  }
  const vaultUrl = env.DUMAS_VAULT_POSTGRES_URL ?? (store.kind === 'postgres' ? store.url : undefined);
  const vault: VaultConfig = {
    ...(masterKey ? { masterKey } : {}),
    ...(vaultUrl
      ? { kind: 'postgres' as const, url: vaultUrl, schema: env.DUMAS_VAULT_SCHEMA ?? 'pii' }
      : { kind: 'sqlite' as const, file: env.DUMAS_VAULT_FILE ?? path.join(dataDir, 'keys.sqlite') }),
  };
  const secret = r.text('DUMAS_JWT_SECRET');
  if (secret && Buffer.byteLength(secret) < 32)
    throw new ConfigError('DUMAS_JWT_SECRET must be at least 32 bytes');
  const jwksUrl = r.text('DUMAS_JWKS_URL');
  const issuer = r.text('DUMAS_JWT_ISSUER');
  const audience = r.text('DUMAS_JWT_AUDIENCE');
  const maxTokenLifetime = r.optionalInt('DUMAS_TOKEN_MAX_LIFETIME_SECONDS', 60);
  const port = r.optionalInt('PORT', 0);
  if (port !== undefined && port > 65535) throw new ConfigError('PORT must be a port number');
  const host = r.text('HOST');
  const logLevel = r.text('LOG_LEVEL');
  const metricsPort = r.optionalInt('DUMAS_METRICS_PORT', 0);
  if (metricsPort !== undefined && metricsPort > 65535)
    throw new ConfigError('DUMAS_METRICS_PORT must be a port number');
  const privateKey = r.text('DUMAS_CHECKPOINT_PRIVATE_KEY');
  const publicKey = r.text('DUMAS_CHECKPOINT_PUBLIC_KEY');
  const privateKeyFile = r.text('DUMAS_CHECKPOINT_PRIVATE_KEY_FILE');
  // Which key signs must not hang on which of two settings wins: a stray inline key beside a store's key
  // file made every checkpoint in it look forged.
  if (privateKey && privateKeyFile) {
    throw new ConfigError('set DUMAS_CHECKPOINT_PRIVATE_KEY or DUMAS_CHECKPOINT_PRIVATE_KEY_FILE, not both');
  }
  const witnessDir = r.text('DUMAS_CHECKPOINT_WITNESS_DIR');
  const gatewaySecret = r.text('DUMAS_GATEWAY_SECRET');
  if (gatewaySecret && Buffer.byteLength(gatewaySecret) < 32)
    throw new ConfigError('DUMAS_GATEWAY_SECRET must be at least 32 bytes');
  const accessCodeSecret = r.text('DUMAS_ACCESS_CODE_SECRET');
  const limits: Partial<Record<keyof GatewayLimits, number>> = {};
  for (const [key, name] of Object.entries(LIMIT_ENV) as [keyof GatewayLimits, string][]) {
    const value = r.optionalInt(name);
    if (value !== undefined) limits[key] = value;
  }
  const replicaId = r.text('DUMAS_REPLICA_ID');
  if (replicaId !== undefined && !/^[a-z0-9_]{1,16}$/.test(replicaId))
    throw new ConfigError('DUMAS_REPLICA_ID must be 1-16 lower-case letters, digits or _');
  if (accessCodeSecret && Buffer.byteLength(accessCodeSecret) < 32)
    throw new ConfigError('DUMAS_ACCESS_CODE_SECRET must be at least 32 bytes');
  return {
    production: env.NODE_ENV === 'production',
    ...(port !== undefined ? { port } : {}),
    ...(host ? { host } : {}),
    subgraphHost: r.text('DUMAS_SUBGRAPH_HOST', '127.0.0.1')!,
    ...(gatewaySecret ? { gatewaySecret } : {}),
    subgraphGatewayOnly:
      r.text('DUMAS_SUBGRAPH_GATEWAY_ONLY') === undefined
        ? env.NODE_ENV === 'production'
        : r.flag('DUMAS_SUBGRAPH_GATEWAY_ONLY'),
    ...(logLevel ? { logLevel } : {}),
    startReadyTimeoutMs: r.int('DUMAS_START_READY_TIMEOUT_MS', 30 * 60_000, 1),
    dataDir,
    store,
    readModels,
    vault,
    auth: {
      ...(jwksUrl ? { jwksUrl } : {}),
      ...(secret ? { secret } : {}),
      ...(issuer ? { issuer } : {}),
      ...(audience ? { audience } : {}),
      ...(maxTokenLifetime !== undefined ? { maxTokenLifetimeSeconds: maxTokenLifetime } : {}),
    },
    audit: {
      checkpointIntervalMs: r.int('DUMAS_CHECKPOINT_INTERVAL_MS', 60_000),
      ...(privateKey ? { checkpointPrivateKey: privateKey } : {}),
      ...(publicKey ? { checkpointPublicKey: publicKey } : {}),
      ...(privateKeyFile ? { checkpointPrivateKeyFile: privateKeyFile } : {}),
      ...(witnessDir ? { witnessDir: path.resolve(witnessDir) } : {}),
    },
    correspondence: correspondenceSection(env, dataDir, store),
    evaluation: { schedulerIntervalMs: r.int('DUMAS_SLA_SCHEDULER_INTERVAL_MS', 60_000) },
    gateway: gatewaySection(env),
    metrics: {
      ...(metricsPort !== undefined ? { port: metricsPort } : {}),
      host: r.text('DUMAS_METRICS_HOST', '127.0.0.1')!,
    },
    ...(accessCodeSecret ? { accessCodeSecret } : {}),
    limits,
    channels: channelsSection(env),
    ...(replicaId ? { replicaId } : {}),
  };
}

/**
 * Defaults that code far from a process's entry needs before any configuration was handed to it (a
 * logger made in a test, a server built without options). Read here so no other module reads the
 * environment.
 */
export const ambient = {
  production: () => process.env.NODE_ENV === 'production',
  logLevel: () => process.env.LOG_LEVEL ?? (process.env.NODE_ENV === 'test' ? 'silent' : 'info'),
};
