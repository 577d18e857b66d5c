import { InvalidArgumentError, type Command } from 'commander';
import { createClient, type Client } from '../client/index.js';

/** What every command reads: the client for `--api`/`--key`, and how to print. */
export interface CliContext {
  client(): Client;
  /** `--json`: machine-readable answers on stdout. */
  json(): boolean;
  /** `-q`: only the id of what was made or changed. */
  quiet(): boolean;
  out(line: string): void;
  /** Progress and notes: stderr, so stdout stays an answer a script can read. */
  note(line: string): void;
  /** Whether stderr is a terminal (progress bars) or a log (one line per epoch). */
  interactive: boolean;
  /** Where progress bars draw. */
  stderr: NodeJS.WritableStream;
}

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: Record<string, string | undefined>;
}

export const DEFAULT_API = 'http://127.0.0.1:3000';

export function contextOf(program: Command, io: CliIo): CliContext {
  let client: Client | undefined;
  const opts = () => program.opts<{ api: string; key?: string; json?: boolean; quiet?: boolean }>();
  return {
    client() {
      const apiKey = opts().key ?? io.env['TLEARN_KEY'] ?? io.env['API_KEY'];
      client ??= createClient({ baseUrl: opts().api, ...(apiKey ? { apiKey } : {}) });
      return client;
    },
    json: () => opts().json === true,
    quiet: () => opts().quiet === true,
    out: (line) => void io.stdout.write(`${line}\n`),
    note: (line) => void io.stderr.write(`${line}\n`),
    interactive: io.stderr.isTTY === true,
    stderr: io.stderr,
  };
}

/** Prints the answer: its JSON (`--json`), its id (`-q`), or the human form. */
export function show<T extends object>(ctx: CliContext, value: T, human: (v: T) => string): void {
  const id = (value as { id?: unknown }).id;
  if (ctx.json()) ctx.out(JSON.stringify(value));
  else if (ctx.quiet() && typeof id === 'string') ctx.out(id);
  else ctx.out(human(value));
}

export const int = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError(`"${v}" is not a whole number`);
  return n;
};

export const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${v}" is not a number`);
  return n;
};
