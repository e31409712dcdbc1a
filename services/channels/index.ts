/**
 * The intake channels, run by the complaint subgraph's process (it files the complaints): the e-mail
 * worker over IMAP, the WhatsApp webhook (a route of the complaint subgraph's server, which the gateway
 * serves on its own host), and the flow that sends complainants their acknowledgement and status notices
 * back on their channel. A channel without its settings is off; with none configured nothing runs.
 */
import type { ComplaintService } from '../complaint/contract-intake';
import { type BlobStore, openBlobStore } from '../shared/blobs';
import { type DeliveryAdapter, openDeliveryAdapter } from '../shared/mail/delivery';
import { FlowRunner } from '../shared/workers/flow-runner';
import type { RouteHandler } from '../shared/http/server';
import type { SubgraphRuntime } from '../shared/runtime';
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
  readonly notices: FlowRunner;
  /** Routes for the complaint subgraph's HTTP server (the WhatsApp webhook). */
  readonly routes: Record<string, RouteHandler>;
  stop(): Promise<void>;
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

export async function startChannels(
  runtime: SubgraphRuntime,
  complaints: ComplaintService,
  options: ChannelsOptions = {},
): Promise<Channels> {
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
  const notices = new FlowRunner({
    store: runtime.store,
    readModels: runtime.readModels,
    logger,
    service: runtime.name,
    flows: [
      channelNoticesFlow({
        store: runtime.store,
        vault: runtime.vault,
        logger,
        secret: config.secret,
        mail: { from: mail.delivery.from, domain: config.mailDomain, delivery },
        ...(client ? { whatsapp: client } : {}),
      }),
    ],
  });
  await notices.start();
  if (email && options.poll !== false) email.start();
  return {
    config,
    intake,
    notices,
    routes: whatsapp ? { [WHATSAPP_WEBHOOK_PATH]: whatsapp.route() } : {},
    ...(email ? { email } : {}),
    ...(whatsapp ? { whatsapp } : {}),
    async stop() {
      await email?.stop();
      await notices.stop();
      await blobs.close();
    },
  };
}
