import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

/** Figures read from /proc, so they describe another process (the server, PostgreSQL backends). */

/** Resident set size in KiB (`VmRSS` of /proc/PID/status). */
export async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  if (match === null) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(match[1]);
}

/** The kernel's clock ticks per second for utime/stime (USER_HZ: 100 on Linux). */
const TICKS_PER_SECOND = 100;

/** User + system CPU time of a process (all its threads) in milliseconds; 0 when it is gone. */
export async function cpuMs(pid: number): Promise<number> {
  let stat: string;
  try {
    stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / TICKS_PER_SECOND;
}

export async function totalCpuMs(pids: readonly number[]): Promise<number> {
  let total = 0;
  for (const pid of pids) total += await cpuMs(pid);
  return total;
}

export function loadAverage(): string {
  return loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
}
