/**
 * Settings of the intake channels (e-mail in over IMAP, the WhatsApp Business Cloud API), read from the
 * environment in one place. A channel without its settings is simply off.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { positiveInt as wholeNumber } from '../correspondence/config';
import type { DumasConfig } from '../shared/config';

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

export interface ChannelsConfig {
  /**
   * Derives the access code sent back to a channel's complainant (so a restart can send the same one
   * again) and keys the WhatsApp conversations by sender without writing the phone number anywhere.
   */
  readonly secret: Buffer;
  /** The domain of the Message-IDs of dumas' own messages, by which replies are recognised. */
  readonly mailDomain: string;
  readonly email?: ImapChannelConfig;
  readonly whatsapp?: WhatsAppChannelConfig;
}

const required = (env: NodeJS.ProcessEnv, name: string, because: string): string => {
  const value = env[name];
  if (!value) throw new Error(`${name} is required when ${because} is set`);
  return value;
};

/** DUMAS_CHANNEL_SECRET (base64, ≥ 32 bytes), else a secret generated once under the data dir. */
function channelSecret(dataDir: string, env: NodeJS.ProcessEnv): Buffer {
  const given = env.DUMAS_CHANNEL_SECRET;
  if (given) {
    const secret = Buffer.from(given, 'base64');
    if (secret.length < 32) throw new Error('DUMAS_CHANNEL_SECRET must be at least 32 bytes, base64');
    return secret;
  }
  const file = path.join(dataDir, 'channel-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

export function channelsConfigFromEnv(
  base: DumasConfig,
  env: NodeJS.ProcessEnv = process.env,
): ChannelsConfig {
  const from = env.DUMAS_MAIL_FROM ?? 'dumas@setneg.go.id';
  let email: ImapChannelConfig | undefined;
  if (env.DUMAS_IMAP_HOST) {
    const security = env.DUMAS_IMAP_SECURE || 'tls';
    if (security !== 'tls' && security !== 'starttls' && security !== 'none')
      throw new Error('DUMAS_IMAP_SECURE must be tls, starttls or none');
    email = {
      host: env.DUMAS_IMAP_HOST,
      port: wholeNumber(env, 'DUMAS_IMAP_PORT', security === 'tls' ? 993 : 143),
      security,
      user: required(env, 'DUMAS_IMAP_USER', 'DUMAS_IMAP_HOST'),
      password: required(env, 'DUMAS_IMAP_PASSWORD', 'DUMAS_IMAP_HOST'),
      mailbox: env.DUMAS_IMAP_MAILBOX || 'INBOX',
      pollMs: wholeNumber(env, 'DUMAS_IMAP_POLL_MS', 60_000),
    };
  }
  let whatsapp: WhatsAppChannelConfig | undefined;
  if (env.DUMAS_WHATSAPP_APP_SECRET) {
    const because = 'DUMAS_WHATSAPP_APP_SECRET';
    whatsapp = {
      appSecret: env.DUMAS_WHATSAPP_APP_SECRET,
      verifyToken: required(env, 'DUMAS_WHATSAPP_VERIFY_TOKEN', because),
      accessToken: required(env, 'DUMAS_WHATSAPP_ACCESS_TOKEN', because),
      phoneNumberId: required(env, 'DUMAS_WHATSAPP_PHONE_NUMBER_ID', because),
      apiBaseUrl: (env.DUMAS_WHATSAPP_API_URL || 'https://graph.facebook.com/v21.0').replace(/\/+$/, ''),
      windowMinutes: wholeNumber(env, 'DUMAS_WHATSAPP_WINDOW_MINUTES', 30),
    };
  }
  return {
    secret: channelSecret(base.dataDir, env),
    mailDomain: from.split('@')[1] ?? 'dumas.setneg.go.id',
    ...(email ? { email } : {}),
    ...(whatsapp ? { whatsapp } : {}),
  };
}
