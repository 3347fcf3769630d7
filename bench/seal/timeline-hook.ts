/**
 * Preloaded by bench/seal/timeline.ts (`node --import`): when the process exits, writes its
 * `zastava:*` User Timing marks (ms since the process's time origin) to stderr as one line
 * `TIMELINE {"mark": ms, …, "exit": ms}`.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  const marks: Record<string, number> = {};
  for (const entry of performance.getEntriesByType('mark')) {
    if (entry.name.startsWith('zastava:')) marks[entry.name.slice('zastava:'.length)] ??= entry.startTime;
  }
  marks.exit = performance.now();
  writeSync(2, `TIMELINE ${JSON.stringify(marks)}\n`);
});
