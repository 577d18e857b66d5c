import type { Logger } from 'pino';
import { diskSpace, type DiskSpace } from './free-space.js';

/**
 * Free space on DATA_DIR, judged against the configured floor (DISK_MIN_FREE_BYTES,
 * DISK_MIN_FREE_PERCENT): read by /readyz, by the /metrics gauges and by a periodic check. The
 * warning is logged when the volume crosses below the floor, once per crossing, and an info line
 * when it is back above; not on every request.
 */

export interface DiskReport extends DiskSpace {
  /** Free space is below either floor. */
  low: boolean;
  minFreeBytes: number;
  minFreePercent: number;
  /** Free bytes as a percentage of the volume. */
  freePercent: number;
}

export interface DiskMonitorOptions {
  dir: string;
  minFreeBytes: number;
  minFreePercent: number;
  log: Pick<Logger, 'warn' | 'info'>;
}

export class DiskMonitor {
  private wasLow: boolean | undefined;

  constructor(private readonly opts: DiskMonitorOptions) {}

  async check(): Promise<DiskReport> {
    const space = await diskSpace(this.opts.dir);
    const { minFreeBytes, minFreePercent } = this.opts;
    const freePercent = space.totalBytes > 0 ? (100 * space.freeBytes) / space.totalBytes : 100;
    const low = space.freeBytes < minFreeBytes || freePercent < minFreePercent;
    const report: DiskReport = { ...space, low, minFreeBytes, minFreePercent, freePercent };
    if (low !== this.wasLow) {
      const fields = { dataDir: this.opts.dir, ...report };
      if (low) {
        this.opts.log.warn(
          fields,
          'DATA_DIR is low on free space: uploads and model saves may fail with 507; free space or enlarge the volume',
        );
      } else if (this.wasLow !== undefined) {
        this.opts.log.info(fields, 'DATA_DIR has enough free space again');
      }
      this.wasLow = low;
    }
    return report;
  }

  /** Checks every `ms` (so a crossing is logged without any request), until the returned stop. */
  watch(ms: number): () => void {
    const timer = setInterval(() => void this.check().catch(() => undefined), ms);
    timer.unref();
    void this.check().catch(() => undefined);
    return () => clearInterval(timer);
  }
}
