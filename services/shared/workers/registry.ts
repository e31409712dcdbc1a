/**
 * The runtime's workers: everything long-running a subgraph process owns (its projections, the flows, the
 * schedulers, the checkpointer, the intake channels). Each is started through here, in order, and stopped
 * by the runtime's `close`, newest first. Work that must happen once across replicas runs under a lease
 * taken here, in one place (see leases.ts); on SQLite every lease is held at once by the only instance.
 */
import type { EventStore } from '../eventstore/types';
import type { LeaseHandle, Leases } from '../leases';
import { type StateSource, trackState, trackWorkers } from '../metrics';

/** What a started worker hands back. */
export interface Work {
  stop(): Promise<void>;
  /** For /metrics: the followers of the log it runs, by kind, with their checkpoints. */
  readonly followers?: { readonly kind: 'projection' | 'flow'; positions(): Record<string, number> };
  /** For /metrics: state read at scrape time while it runs. */
  readonly state?: Omit<StateSource, 'service'>;
}

export interface Workers {
  /** Starts work every replica runs (its projections, its servers' parts); it stops when the runtime closes. */
  start<T extends Work>(name: string, start: () => Promise<T> | T): Promise<T>;
  /**
   * Starts work done once across replicas: it runs in the replica holding the lease `name`, for as long
   * as it does, and moves to another replica when this one stops or dies. Resolves once the first attempt
   * is over; the function it returns gives the work while it runs here. The work is handed its lease, so
   * that what it writes can carry the lease's fencing token (see `fencedReadModels`).
   */
  startOnce<T extends Work>(
    name: string,
    start: (lease: LeaseHandle) => Promise<T> | T,
  ): Promise<() => T | undefined>;
  /** Names of the workers running here now. */
  running(): string[];
  /** Stops the work done once (giving its leases up), then the rest, newest first. */
  stop(): Promise<void>;
}

export function createWorkers(service: string, store: EventStore, leases: Leases): Workers {
  const local: { name: string; stop(): Promise<void> }[] = [];
  const once = new Set<string>();

  /** Reports the work to /metrics while it runs; returns how to stop both. */
  const tracked = (work: Work): (() => Promise<void>) => {
    const untrack = [
      work.followers ? trackWorkers({ service, store, ...work.followers }) : () => true,
      work.state ? trackState({ service, ...work.state }) : () => true,
    ];
    return async () => {
      for (const stop of untrack) stop();
      await work.stop();
    };
  };

  return {
    async start(name, start) {
      const work = await start();
      local.push({ name, stop: tracked(work) });
      return work;
    },
    async startOnce<T extends Work>(name: string, start: (lease: LeaseHandle) => Promise<T> | T) {
      let current: T | undefined;
      await leases.run(name, async (lease) => {
        const work = await start(lease);
        const stop = tracked(work);
        current = work;
        once.add(name);
        return {
          async stop() {
            current = undefined;
            once.delete(name);
            await stop();
          },
        };
      });
      return () => current;
    },
    running: () => [...local.map((w) => w.name), ...once],
    async stop() {
      await leases.close();
      for (const work of local.splice(0).reverse()) await work.stop();
    },
  };
}

/**
 * A worker that runs `pass` every `ms` milliseconds (never when `ms` is 0 or less), skipping a beat while
 * a pass is still running; a failed pass is reported and the next one tries again. Stop waits for the
 * pass in progress.
 */
export function every(ms: number, pass: () => Promise<unknown>, failed: (err: unknown) => void): Work {
  let running: Promise<unknown> | undefined;
  const timer =
    ms > 0
      ? setInterval(() => {
          running ??= pass()
            .catch(failed)
            .finally(() => {
              running = undefined;
            });
        }, ms).unref()
      : undefined;
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
