import { Command, CommanderError } from 'commander';
import { ProblemError } from '../client/index.js';
import { contextOf, DEFAULT_API, type CliIo } from './context.js';
import { advisorCommands } from './commands/advisor.js';
import { auditCommands } from './commands/audits.js';
import { batchCommands } from './commands/batch.js';
import { baseModelCommands } from './commands/base-models.js';
import { datasetCommands } from './commands/datasets.js';
import { jobCommands } from './commands/jobs.js';
import { modelCommands } from './commands/models.js';
import { predictCommands } from './commands/predict.js';

/**
 * `tlearn`: the service from a terminal, built on the typed client. One file per command group
 * under commands/; a new group is one file and one line below. Answers go to stdout (`--json`
 * for scripts, `-q` for ids only), progress and notes to stderr. Exit status 1 with the
 * service's own message when a request fails, 2 for a command line it cannot read.
 */
export const COMMAND_GROUPS = [
  datasetCommands,
  baseModelCommands,
  jobCommands,
  modelCommands,
  predictCommands,
  advisorCommands,
  batchCommands,
  auditCommands,
];

export function buildProgram(io: CliIo): Command {
  const program = new Command('tlearn')
    .description(
      'Transfer-learning service client: datasets, jobs, models, predictions, the advisor, batch predictions, audits',
    )
    .option(
      '--api <url>',
      'the service (env TLEARN_API or API)',
      io.env['TLEARN_API'] ?? io.env['API'] ?? DEFAULT_API,
    )
    // No default here: commander's help would print the key from the environment.
    .option('--key <key>', 'API key, sent as a Bearer token (env TLEARN_KEY or API_KEY)')
    .option('--json', 'answers as JSON on stdout')
    .option('-q, --quiet', 'answers as ids only (for scripts: DS=$(tlearn -q datasets upload ...))')
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
    })
    .exitOverride()
    .showHelpAfterError();
  const ctx = contextOf(program, io);
  for (const add of COMMAND_GROUPS) add(program, ctx);
  for (const group of program.commands) group.exitOverride().configureOutput(program.configureOutput());
  return program;
}

/** Runs one command line; answers the exit status. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ProblemError) {
      io.stderr.write(`error: ${err.message} (HTTP ${err.status})\n`);
      return 1;
    }
    // fetch's own failure (no answer at all): say where it looked and why, not "fetch failed".
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    if (err instanceof TypeError && err.message === 'fetch failed') {
      const api = program.opts<{ api: string }>().api;
      const why = cause?.code ?? cause?.message ?? 'no answer';
      io.stderr.write(`error: nothing answers at ${api} (${why}); set --api or TLEARN_API\n`);
      return 1;
    }
    io.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
