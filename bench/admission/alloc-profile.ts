/**
 * Preloaded into the server (`--server-node-flags=--import=./bench/admission/alloc-profile.ts`): samples
 * every allocation, garbage included (`--heap-prof` keeps only what is still alive when the process ends),
 * and writes `alloc-PID.heapprofile` to ZASTAVA_ALLOC_PROFILE_DIR (default: the working directory) on
 * SIGUSR2. Summarise it with profile-summary.ts's sibling: node bench/admission/alloc-summary.ts FILE.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const session = new Session();
session.connect();
session.post('HeapProfiler.startSampling', {
  samplingInterval: 16_384,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
process.on('SIGUSR2', () => {
  session.post('HeapProfiler.stopSampling', (error, result) => {
    if (error !== null) return;
    const file = join(process.env.ZASTAVA_ALLOC_PROFILE_DIR ?? '.', `alloc-${process.pid}.heapprofile`);
    writeFileSync(file, JSON.stringify(result.profile));
  });
});
