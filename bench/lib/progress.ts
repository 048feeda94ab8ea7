/** One progress line on stderr: redrawn in place on a terminal, otherwise at most one line every 5 s. */
const tty = process.stderr.isTTY === true;
const started = Date.now();
let last = 0;
/** Seconds since the suite started, so a log of a long run shows where the time went. */
const stamp = () => `[${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] `;
let shown = false;

export function progress(text: string, force = false): void {
  if (tty) {
    process.stderr.write(`\r\x1b[K${(stamp() + text).slice(0, (process.stderr.columns || 120) - 1)}`);
    shown = true;
    return;
  }
  const now = Date.now();
  if (!force && now - last < 5000) return;
  last = now;
  process.stderr.write(`${stamp()}${text}\n`);
}

/** Clears the progress line (before printing anything else). */
export function clearProgress(): void {
  if (tty && shown) process.stderr.write('\r\x1b[K');
  shown = false;
}

/** A line that stays (a phase starting), printed whatever the throttle says. */
export function note(text: string): void {
  clearProgress();
  process.stderr.write(`${stamp()}${text}\n`);
  last = Date.now();
}
