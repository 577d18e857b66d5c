import type { Config } from '../config/env.js';
import type { KeysFile, Quotas } from './keys-file.js';

/**
 * A project's quotas: the keys file's entry for the project, else the PROJECT_MAX_* defaults; 0
 * (or absent) means no limit. Stored bytes are checked before uploads (507), concurrent jobs
 * when a job is queued (429), predictions per second on every predict (429).
 */
export function quotasFor(
  config: Pick<
    Config,
    'PROJECT_MAX_STORED_BYTES' | 'PROJECT_MAX_CONCURRENT_JOBS' | 'PROJECT_MAX_PREDICTS_PER_SECOND'
  >,
  file: KeysFile | undefined,
  project: string,
): Quotas {
  const own = file?.projects?.[project]?.quotas ?? {};
  const pick = (v: number | undefined, fallback: number): number | undefined => {
    const n = v ?? fallback;
    return n > 0 ? n : undefined;
  };
  const storedBytes = pick(own.storedBytes, config.PROJECT_MAX_STORED_BYTES);
  const concurrentJobs = pick(own.concurrentJobs, config.PROJECT_MAX_CONCURRENT_JOBS);
  const predictsPerSecond = pick(own.predictsPerSecond, config.PROJECT_MAX_PREDICTS_PER_SECOND);
  return {
    ...(storedBytes === undefined ? {} : { storedBytes }),
    ...(concurrentJobs === undefined ? {} : { concurrentJobs }),
    ...(predictsPerSecond === undefined ? {} : { predictsPerSecond }),
  };
}
