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
 * One that answers `degraded` (an integrity alert: the checkpoints do not verify under the configured key)
 * is reported at once too, with its reason: waiting does not mend it, and "catching up" would be a lie.
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
    const answer = await probe(url);
    if (answer === true) return;
    if (answer) throw new Error(`${options.name ?? url} is degraded, not ready: ${answer}`);
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

/** true when ready, the reason when degraded, undefined while not (yet) listening or still catching up. */
async function probe(url: string): Promise<true | string | undefined> {
  try {
    const res = await fetch(url);
    if (res.ok) return true;
    const body = (await res.json().catch(() => undefined)) as
      | { status?: unknown; reason?: unknown }
      | undefined;
    if (body?.status === 'degraded') return typeof body.reason === 'string' ? body.reason : 'no reason given';
  } catch {
    // not listening yet
  }
  return undefined;
}
