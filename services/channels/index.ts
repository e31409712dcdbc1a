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
import { LaporClient, LaporPullWorker, laporStatusFlow } from './lapor';
import { channelNoticesFlow } from './notices';
import { WHATSAPP_WEBHOOK_PATH, WhatsAppCloudClient, WhatsAppIntake } from './whatsapp';

export { WHATSAPP_WEBHOOK_PATH } from './whatsapp';

export interface Channels {
  readonly config: ChannelsConfig;
  readonly intake: ChannelIntake;
  readonly email?: EmailIntakeWorker;
  readonly whatsapp?: WhatsAppIntake;
  /** The work done once across replicas while this replica runs it (the lease holder), else undefined. */
  readonly work: ChannelWork | undefined;
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
  /** The SP4N-LAPOR! exchange: reports pulled in, status updates pushed back (its own outbox). */
  readonly lapor?: { readonly pull: LaporPullWorker; readonly push: FlowRunner };
}

export interface ChannelsOptions {
  /** Overrides of the settings from the configuration (tests). */
  readonly config?: ChannelsConfig;
  /** The delivery adapter of e-mailed notices; default: the one DUMAS_SMTP_* / DUMAS_OUTBOX_DIR configure. */
  readonly delivery?: DeliveryAdapter;
  /** Start the IMAP worker's and the LAPOR pull's timers (tests call pollOnce / pullOnce themselves). Default true. */
  readonly poll?: boolean;
}

/** Whether any channel is configured (without reading or creating anything). */
export const channelsConfigured = (config: DumasConfig) =>
  Boolean(config.channels.email || config.channels.whatsapp || config.channels.lapor);

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
  let current: ChannelWork | undefined;
  return {
    config,
    intake,
    routes: whatsapp ? { [WHATSAPP_WEBHOOK_PATH]: whatsapp.route() } : {},
    ...(email ? { email } : {}),
    ...(whatsapp ? { whatsapp } : {}),
    get work() {
      return current;
    },
    async run() {
      const notices = new FlowRunner({
        store: runtime.store,
        readModels: runtime.sharedReadModels,
        logger,
        service: runtime.name,
        flows: [noticesFlow],
      });
      await notices.start();
      const lapor = config.lapor ? await startLapor(runtime, config.lapor, logger) : undefined;
      if (email && options.poll !== false) email.start();
      if (lapor && options.poll !== false) lapor.pull.start();
      const work: ChannelWork = {
        notices,
        ...(lapor ? { lapor } : {}),
        followers: {
          kind: 'flow',
          positions: () => ({ ...notices.followers.positions(), ...lapor?.push.followers.positions() }),
        },
        async stop() {
          if (current === work) current = undefined;
          await email?.stop();
          await lapor?.pull.stop();
          await lapor?.push.stop();
          await notices.stop();
        },
      };
      current = work;
      return work;
    },
    stop: () => blobs.close(),
  };
}

async function startLapor(
  runtime: SubgraphRuntime,
  config: NonNullable<ChannelsConfig['lapor']>,
  parent: SubgraphRuntime['logger'],
) {
  const logger = parent.child({ channel: 'lapor' });
  const client = new LaporClient(config);
  const now = () => runtime.clock.now().toISOString();
  // The cursor and the outbox's checkpoint are the lease holder's, shared by the replicas.
  const { store, vault, sharedReadModels: readModels } = runtime;
  const pull = new LaporPullWorker(config, client, { store, vault, readModels, logger, now });
  const push = new FlowRunner({
    store,
    readModels,
    logger,
    service: runtime.name,
    flows: [laporStatusFlow({ store, vault, client, logger, now })],
    // An outbox to a service on the internet: an outage holds the updates back (in order) until it ends.
    maxAttempts: Number.MAX_SAFE_INTEGER,
    retryDelayMs: config.retryMs,
  });
  await push.start();
  return { pull, push };
}
