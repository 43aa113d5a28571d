/**
 * A progress bar on stderr when it is a terminal; otherwise a line at every
 * quarter, so CI logs show progress without a wall of carriage returns.
 */
export function progressBar(label: string, stream: NodeJS.WriteStream = process.stderr) {
  const tty = stream.isTTY === true;
  let lastShown = -1;
  return {
    update(done: number, total: number) {
      const fraction = total === 0 ? 1 : done / total;
      if (tty) {
        const percent = Math.floor(fraction * 100);
        if (percent === lastShown && done !== total) return;
        lastShown = percent;
        const width = 30;
        const filled = Math.round(fraction * width);
        stream.write(`\r${label} [${"#".repeat(filled)}${" ".repeat(width - filled)}] ${percent}% ${done}/${total}`);
        if (done === total) stream.write("\n");
      } else {
        const quarter = Math.floor(fraction * 4);
        if (quarter === lastShown) return;
        lastShown = quarter;
        stream.write(`${label}: ${quarter * 25}% (${done}/${total})\n`);
      }
    },
  };
}
