/**
 * The intake channels, run by the complaint subgraph's process (it files the complaints): the e-mail
 * worker over IMAP, the WhatsApp webhook (a route of the complaint subgraph's server, which the gateway
 * serves on its own host), and the flow that sends complainants their acknowledgement and status notices
 * back on their channel. A channel without its settings is off; with none configured nothing runs.
 * Every replica serves the webhook; the IMAP poll and the notices run once across replicas (`run`, under
 * a lease: see mount.ts), or the same mail would be taken and every notice sent once per replica.
 */
import type { ComplaintService } from '../complaint/contract-intake';
import { type BlobStore, openBlobStore } from '../shared/blobs';
import { type DeliveryAdapter, openDeliveryAdapter } from '../shared/mail/delivery';
import { FlowRunner } from '../shared/workers/flow-runner';
import type { RouteHandler } from '../shared/http/server';
import type { SubgraphRuntime } from '../shared/runtime';
import type { Work } from '../shared/workers/registry';
import type { DumasConfig } from '../shared/config';
import { type ChannelsConfig, channelsConfigOf } from './config';
import { EmailIntakeWorker } from './email';
import { ChannelIntake } from './intake';
import { channelNoticesFlow } from './notices';
import { WHATSAPP_WEBHOOK_PATH, WhatsAppCloudClient, WhatsAppIntake } from './whatsapp';

export { WHATSAPP_WEBHOOK_PATH } from './whatsapp';

export interface Channels {
  readonly config: ChannelsConfig;
  readonly intake: ChannelIntake;
  readonly email?: EmailIntakeWorker;
  readonly whatsapp?: WhatsAppIntake;
  /** Routes for the complaint subgraph's HTTP server (the WhatsApp webhook). */
  readonly routes: Record<string, RouteHandler>;
  /** Starts the notices flow and the IMAP poll. */
  run(): Promise<ChannelWork>;
  /** Closes what the channels opened (their work stopped first). */
  stop(): Promise<void>;
}

/** The channels' work done once across replicas. */
export interface ChannelWork extends Work {
  readonly notices: FlowRunner;
}

export interface ChannelsOptions {
  /** Overrides of the settings from the configuration (tests). */
  readonly config?: ChannelsConfig;
  /** The delivery adapter of e-mailed notices; default: the one DUMAS_SMTP_* / DUMAS_OUTBOX_DIR configure. */
  readonly delivery?: DeliveryAdapter;
  /** Start the IMAP worker's timer (tests call pollOnce themselves). Default true. */
  readonly poll?: boolean;
}

/** Whether any channel is configured (without reading or creating anything). */
export const channelsConfigured = (config: DumasConfig) =>
  Boolean(config.channels.email || config.channels.whatsapp);

export function openChannels(
  runtime: SubgraphRuntime,
  complaints: ComplaintService,
  options: ChannelsOptions = {},
): Channels {
  const config = options.config ?? channelsConfigOf(runtime.config);
  const mail = runtime.config.correspondence;
  const delivery = options.delivery ?? openDeliveryAdapter(mail.delivery);
  const blobs: BlobStore = openBlobStore(mail.blobs);
  const logger = runtime.logger.child({ component: 'channels' });
  const intake = new ChannelIntake(complaints, blobs, config.secret, logger);
  const client = config.whatsapp ? new WhatsAppCloudClient(config.whatsapp) : undefined;
  const whatsapp =
    config.whatsapp && client
      ? new WhatsAppIntake(config.whatsapp, intake, client, runtime.store, config.secret, logger)
      : undefined;
  const email = config.email
    ? new EmailIntakeWorker(config.email, intake, logger, {
        mailDomain: config.mailDomain,
        from: mail.delivery.from,
      })
    : undefined;
  const noticesFlow = channelNoticesFlow({
    store: runtime.store,
    vault: runtime.vault,
    logger,
    secret: config.secret,
    mail: { from: mail.delivery.from, domain: config.mailDomain, delivery },
    ...(client ? { whatsapp: client } : {}),
  });
  return {
    config,
    intake,
    routes: whatsapp ? { [WHATSAPP_WEBHOOK_PATH]: whatsapp.route() } : {},
    ...(email ? { email } : {}),
    ...(whatsapp ? { whatsapp } : {}),
    async run() {
      const notices = new FlowRunner({
        store: runtime.store,
        readModels: runtime.sharedReadModels,
        logger,
        service: runtime.name,
        flows: [noticesFlow],
      });
      await notices.start();
      if (email && options.poll !== false) email.start();
      return {
        notices,
        followers: notices.followers,
        async stop() {
          await email?.stop();
          await notices.stop();
        },
      };
    },
    stop: () => blobs.close(),
  };
}
