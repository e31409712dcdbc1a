/** One subgraph as its own process: open the runtime, listen, stop cleanly on SIGINT/SIGTERM. */
import { type Env, loadConfig } from '../config';
import type { SubgraphModule } from '../subgraph-module';
import { startTracing } from '../tracing';

/**
 * `env` is handed over by the entry (services/cli/subgraph.ts), the one place that reads the process's
 * environment.
 */
export function runSubgraphProcess(spec: SubgraphModule, env: Env): void {
  (async () => {
    // Before anything else, so every span of the process goes to the exporter (off unless OTEL_* say so).
    const tracing = startTracing(spec.name);
    // Read and validated once, here: a bad setting stops the process before anything opens.
    const config = loadConfig(env);
    const runtime = await spec.start({ config });
    const server = await spec.serve(runtime);
    // Only this host reaches a subgraph unless DUMAS_SUBGRAPH_HOST says otherwise: callers go through the gateway.
    await server.listen(config.port ?? spec.defaultPort, config.subgraphHost);
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      runtime.logger.info({ signal }, `${spec.name} stopping`);
      server
        .close()
        .then(() => runtime.close())
        .then(() => tracing?.shutdown())
        .then(
          () => process.exit(0),
          (err: unknown) => {
            runtime.logger.error({ err }, `${spec.name} did not stop cleanly`);
            process.exit(1);
          },
        );
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
    // Started by `npm start`: stop with the launcher even when it was killed without a chance to say so.
    if (process.send) process.on('disconnect', () => stop('launcher gone'));
  })().catch((err: unknown) => {
    process.stderr.write(
      `${spec.name} failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  });
}
