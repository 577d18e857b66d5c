import { readFileSync } from 'node:fs';

/**
 * CPU time consumed by the calling thread alone, in ms (Linux; undefined elsewhere). Node 20 has
 * no per-thread CPU clock and `process.cpuUsage()` sums every thread, which cannot tell the
 * event loop from an inference worker. /proc counts in USER_HZ ticks, 100 per second on Linux.
 */
export function threadCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}
