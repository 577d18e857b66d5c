import { appendFileSync } from 'node:fs';

/**
 * Each passing fault case appends its row (write path, step, process killed, outcome) to the
 * file named by FAULTS_TABLE, when set: the README's table is made from a real run.
 */
export function recordFault(path: string, step: string, process: string, outcome: string): void {
  const file = globalThis.process.env['FAULTS_TABLE'];
  if (file) appendFileSync(file, `| ${path} | ${step} | ${process} (SIGKILL) | ${outcome} |\n`);
}
