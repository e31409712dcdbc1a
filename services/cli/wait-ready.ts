import type { ChildProcess } from 'node:child_process';

export interface WaitReadyOptions {
  readonly timeoutMs: number;
  /** What the launcher calls the service: when given, it says every 15 s that the service is not ready yet. */
  readonly name?: string;
  /** The child's last output, told when it exits before it is ready (why it did). */
  readonly lastOutput?: () => string | undefined;
}

/**
 * Polls a launched service's readiness URL until it answers 2xx. A service rebuilding its read models
 * over a big log can take minutes; one that exits is reported at once, with its last output when known.
 */
export async function waitReady(url: string, child: ChildProcess, options: WaitReadyOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + options.timeoutMs;
  let told = started;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = options.lastOutput?.();
      throw new Error(
        `${url} exited (${child.exitCode ?? child.signalCode})${tail ? `; its last output:\n${tail}` : ''}`,
      );
    }
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not ready after ${options.timeoutMs} ms`);
    if (options.name && Date.now() - told >= 15_000) {
      told = Date.now();
      process.stderr.write(
        `${options.name} is not ready yet after ${Math.round((told - started) / 1000)} s (catching up with the log)\n`,
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}
