/**
 * Preloaded by bench/seal/timeline.ts (`node --import`): when the process exits, writes its
 * `zastava:*` User Timing marks (ms since the process's time origin) to stderr as one line
 * `TIMELINE {"mark": ms, …, "exit": ms}`. Plain JavaScript: a TypeScript hook would make Node load its
 * type stripper (~40–60 ms) in every process it measures, which `stella seal` otherwise never loads.
 */
import { writeSync } from 'node:fs';

process.on('exit', () => {
  /** @type {Record<string, number>} */
  const marks = {};
  for (const entry of performance.getEntriesByType('mark')) {
    if (entry.name.startsWith('zastava:')) marks[entry.name.slice('zastava:'.length)] ??= entry.startTime;
  }
  marks.exit = performance.now();
  writeSync(2, `TIMELINE ${JSON.stringify(marks)}\n`);
});
