/**
 * The intake channels as a wing of the complaint subgraph (services/subgraphs.ts): they file complaints,
 * so they run in the complaint process, and only when a channel is configured. The WhatsApp webhook is a
 * route of the complaint subgraph's server, which the gateway serves on its own host.
 */
import type { ComplaintWing } from '../complaint/contract-entity';
import type { SubgraphRuntime } from '../shared/runtime';
import { type Channels, channelsConfigured, openChannels } from '.';

const CHANNELS = 'channels';

/** The channels running for a complaint runtime, when any is configured. */
export const channelsOf = (runtime: SubgraphRuntime) =>
  runtime.extensions.get(CHANNELS) as Channels | undefined;

export const channelsWing: ComplaintWing = {
  resolvers: [],
  projections: [],
  async start(runtime, complaints) {
    if (!channelsConfigured(runtime.config)) return;
    const channels = await runtime.workers.start('channels', () => openChannels(runtime, complaints));
    runtime.extensions.set(CHANNELS, channels);
    await runtime.workers.startOnce('channels.intake', () => channels.run());
  },
  attach(server, _schema, runtime) {
    for (const [route, handler] of Object.entries(channelsOf(runtime)?.routes ?? {}))
      server.http.route(route, handler);
    return server;
  },
};
