import processJob from './processor.js';
import { serveOneJob } from './one-job-child.js';

/**
 * Entry point of a trainer child process (see trainer-process.ts): runs exactly one job through
 * the job handlers, answers, and exits.
 */
serveOneJob(processJob);
