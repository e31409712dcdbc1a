/** Starts the gateway: `PORT` (default 4000); see the gateway section of services/shared/config.ts for the rest. */
import { assertGatewayProductionReady } from '../services/cli/production';
import { loadConfig } from '../services/shared/config';
import { startTracing } from '../services/shared/tracing';
import { createGateway, gatewayOptions } from './server';

async function main() {
  // Before anything else, so every span of the process goes to the exporter (off unless OTEL_* say so).
  const tracing = startTracing('gateway');
  const config = loadConfig();
  // A gateway started on its own refuses production without what it needs, as the launcher does.
  assertGatewayProductionReady();
  const gateway = createGateway(gatewayOptions(config));
  const { url } = await gateway.listen(config.port ?? 4000, config.host);
  gateway.logger.info({ graphql: `${url}/graphql`, graphiql: `${url}/graphiql` }, 'gateway ready');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    gateway.logger.info({ signal }, 'gateway stopping');
    gateway
      .close()
      .then(() => tracing?.shutdown())
      .then(
        () => process.exit(0),
        (err: unknown) => {
          gateway.logger.error({ err }, 'gateway did not stop cleanly');
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Started by `npm start`: stop with the launcher even when it was killed without a chance to say so.
  if (process.send) process.on('disconnect', () => stop('launcher gone'));
}

main().catch((err: unknown) => {
  process.stderr.write(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
