/** The `index.ts` of every subgraph: open the runtime, listen, stop cleanly on SIGINT/SIGTERM. */
import type { SubgraphRuntime } from '../runtime';
import { startTracing } from '../tracing';
import type { SubgraphServer } from './subgraph';

export interface SubgraphProcess<Ctx> {
  readonly name: string;
  readonly defaultPort: number;
  readonly start: () => Promise<SubgraphRuntime>;
  readonly create: (
    runtime: SubgraphRuntime,
  ) => Promise<SubgraphServer<Ctx & import('../http/server').RequestContext>>;
}

export function runSubgraphProcess<Ctx>(spec: SubgraphProcess<Ctx>): void {
  (async () => {
    // Before anything else, so every span of the process goes to the exporter (off unless OTEL_* say so).
    const tracing = startTracing(spec.name);
    const runtime = await spec.start();
    const server = await spec.create(runtime);
    const port = Number(process.env.PORT ?? spec.defaultPort);
    await server.listen(port, process.env.HOST);
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
