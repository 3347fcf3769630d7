import type { Writable } from 'node:stream';

export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

const SILENT: Progress = { update() {}, done() {} };

/**
 * A one-line progress bar on stderr, redrawn at most every 100 ms, only when stderr is a terminal
 * (SPEC §13): piped or CI output stays clean.
 */
export function progressBar(stream: Writable, isTTY: boolean, now: () => number = Date.now): Progress {
  if (!isTTY) return SILENT;
  let last = 0;
  let drawn = false;
  return {
    update(done, total, label) {
      const t = now();
      if (t - last < 100 && done < total) return;
      last = t;
      const ratio = total > 0 ? Math.min(1, done / total) : 0;
      const width = 30;
      const filled = Math.round(ratio * width);
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled);
      stream.write(`\r[${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${label}`.padEnd(80));
      drawn = true;
    },
    done() {
      if (drawn) stream.write('\r' + ' '.repeat(80) + '\r');
      drawn = false;
    },
  };
}
