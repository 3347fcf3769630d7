/**
 * CPU time per thread of one process, by thread name (`comm`: MainThread, WorkerThread, libuv-worker,
 * V8Worker, …), polled from /proc/PID/task/* every 10 ms until it exits: the last reading of each thread
 * counts (a thread that lives less than 10 ms may be missed). Linux only.
 *   node bench/seal/threads.ts -- COMMAND [ARG…]
 * e.g. node bench/seal/threads.ts -- node bin/stella.js seal oci:LAYOUT:TAG --output /tmp/seals.json
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

const dash = process.argv.indexOf('--');
const command = dash === -1 ? [] : process.argv.slice(dash + 1);
if (command.length === 0) {
  console.error('usage: node bench/seal/threads.ts -- COMMAND [ARG…]');
  process.exit(2);
}

const TICK_MS = 1000 / 100; // USER_HZ: /proc reports CPU time in ticks of 10 ms
const child = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'ignore', 'inherit'] });
const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
let done = false;
void exited.then(() => (done = true));

/** tid → [name, CPU ms] at its last reading. */
const seen = new Map<string, [string, number]>();
while (!done) {
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${child.pid}/task`);
  } catch {
    break; // gone
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${child.pid}/task/${tid}/stat`, 'utf8');
      const name = readFileSync(`/proc/${child.pid}/task/${tid}/comm`, 'utf8').trim();
      // Fields after the parenthesised name: state is the 3rd field; utime and stime the 14th and 15th.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      seen.set(tid, [name, (Number(fields[11]) + Number(fields[12])) * TICK_MS]);
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  await sleep(10);
}
const code = await exited;

const byName = new Map<string, { ms: number; threads: number }>();
for (const [name, ms] of seen.values()) {
  const entry = byName.get(name) ?? { ms: 0, threads: 0 };
  entry.ms += ms;
  entry.threads += 1;
  byName.set(name, entry);
}
const total = [...byName.values()].reduce((n, e) => n + e.ms, 0);
for (const [name, { ms, threads }] of [...byName].sort((a, b) => b[1].ms - a[1].ms)) {
  console.log(
    `${name.padEnd(16)} ${String(Math.round(ms)).padStart(6)} ms  (${threads} thread${threads === 1 ? '' : 's'})`,
  );
}
console.log(`${'total'.padEnd(16)} ${String(Math.round(total)).padStart(6)} ms; exit code ${String(code)}`);
