/**
 * Settings of the intake channels (e-mail in over IMAP, the WhatsApp Business Cloud API), from the channels
 * section of the one configuration. A channel without its settings is simply off.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type {
  DumasConfig,
  ImapChannelConfig,
  LaporChannelConfig,
  WhatsAppChannelConfig,
} from '../shared/config';

export type { ImapChannelConfig, LaporChannelConfig, WhatsAppChannelConfig } from '../shared/config';

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
  readonly lapor?: LaporChannelConfig;
}

/** DUMAS_CHANNEL_SECRET (base64, ≥ 32 bytes, checked by the configuration), else one generated once under the data dir. */
function channelSecret(dataDir: string, given: Buffer | undefined): Buffer {
  if (given) return given;
  const file = path.join(dataDir, 'channel-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64'), { flag: 'wx', mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

/** The channels' settings (the channels section of services/shared/config.ts) with their secret. */
export function channelsConfigOf(base: DumasConfig): ChannelsConfig {
  const settings = base.channels;
  return {
    secret: channelSecret(base.dataDir, settings.secret),
    mailDomain: base.correspondence.delivery.from.split('@')[1] ?? 'dumas.setneg.go.id',
    ...(settings.email ? { email: settings.email } : {}),
    ...(settings.whatsapp ? { whatsapp: settings.whatsapp } : {}),
    ...(settings.lapor ? { lapor: settings.lapor } : {}),
  };
}
