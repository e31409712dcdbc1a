import { devSecret } from '../shared/dev-secret';
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
  return Buffer.from(devSecret(dataDir, 'channel-secret'), 'base64');
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
