import net from 'node:net';

const isFree = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, () => server.close(() => resolve(true)));
  });

/**
 * A base port in [from, to) with every port at `base + offset` free now, for a test that must know its
 * ports before it starts its processes (a cluster, the production launcher). Below Linux's ephemeral range
 * (32768+), where the other tests' port-0 listeners land; tests that run at once take disjoint ranges, so
 * they cannot pick the same base and then take each other's ports.
 */
export async function freePortBlock(
  offsets: readonly number[],
  range: { readonly from: number; readonly to: number },
): Promise<number> {
  const span = Math.max(...offsets) + 1;
  for (;;) {
    const base = range.from + Math.floor(Math.random() * (range.to - range.from - span));
    let taken = false;
    for (const offset of offsets) {
      taken = !(await isFree(base + offset));
      if (taken) break;
    }
    if (!taken) return base;
  }
}
