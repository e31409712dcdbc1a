/** A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise. */
export function progressBar(label: string) {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  let lastDraw = 0;
  return {
    update(done: number, total: number) {
      const ratio = total > 0 ? Math.min(1, done / total) : 1;
      if (tty) {
        const now = Date.now();
        if (now - lastDraw < 100 && ratio < 1) return;
        lastDraw = now;
        const width = 30;
        const filled = Math.round(ratio * width);
        process.stderr.write(
          `\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total}`,
        );
      } else {
        const tenth = Math.floor(ratio * 10);
        if (tenth > lastTenth) {
          lastTenth = tenth;
          process.stderr.write(`${label} ${tenth * 10}% (${done}/${total})\n`);
        }
      }
    },
    done() {
      if (tty) process.stderr.write('\n');
    },
  };
}
