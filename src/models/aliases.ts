import { ConflictError, ValidationError } from '../lib/errors.js';
import type { Store } from '../storage/store.js';
import { ALIAS_PATTERN, aliasProblem } from '../contracts/model-name.js';
import { assertModelName } from './names.js';

/**
 * Aliases of a model name (`emoji@production`, `emoji@candidate`): a movable pointer to one
 * version, so a client keeps one URL while versions come and go behind it.
 *
 * Every move is a new store marker `model-aliases/<name>/<alias>.<seq>` holding the version,
 * created only if absent (the same race-free primitive as version numbers, see versions.ts):
 * two moves at once get seq n and n+1, and the alias is the highest seq. A move is therefore
 * one atomic write, every process that shares the store sees it at once, and the markers are
 * the alias's history (who pointed where, when). Removing an alias is a move to version 0.
 * A request resolves the alias once, at its start: a move never changes the model under a
 * request already running.
 */

const HISTORY_KEPT = 20;

export interface AliasMove {
  /** 0: the alias was removed. */
  version: number;
  movedAt: string;
  /** The version it pointed at before (0: none). */
  previous: number;
}

export interface AliasView extends AliasMove {
  alias: string;
  /** Earlier moves, newest first (at most 20). */
  history: AliasMove[];
}

export function assertAlias(alias: string, field = 'alias'): string {
  const problem = aliasProblem(alias);
  if (problem) {
    throw new ValidationError(`'${field}' is not a valid alias: ${problem}`, {
      errors: [{ path: field, message: problem }],
    });
  }
  return alias;
}

export class ModelAliases {
  constructor(private readonly store: Store) {}

  private dir(name: string): string {
    return `model-aliases/${assertModelName(name)}`;
  }

  /**
   * Points `alias` of `name` at `version` (0 removes it); returns the move as recorded. With
   * `expected`, the move happens only while the alias still points there (0: unset), else
   * ConflictError: a compare-and-swap, so a promotion decided on one comparison can't overwrite a
   * move made meanwhile.
   */
  async move(
    name: string,
    alias: string,
    version: number,
    opts: { expected?: number; now?: Date } = {},
  ): Promise<AliasMove> {
    assertAlias(alias);
    const now = opts.now ?? new Date();
    for (;;) {
      const { lastSeq, moves } = await this.moves(name, alias, undefined, 1);
      const current = moves[0]?.version ?? 0;
      if (opts.expected !== undefined && current !== opts.expected) {
        throw new ConflictError(
          `alias '${alias}' of model '${name}' moved to ${current === 0 ? 'nothing' : `version ${current}`} meanwhile; compare again`,
        );
      }
      const move: AliasMove = { version, movedAt: now.toISOString(), previous: moves[0]?.version ?? 0 };
      const key = `${this.dir(name)}/${alias}.${lastSeq + 1}`;
      if (await this.store.putMarker(key, JSON.stringify(move))) return move;
      // Another move took this seq first: ours goes after it.
    }
  }

  /** The version `alias` points at, or undefined when it was never set or was removed. */
  async current(name: string, alias: string): Promise<number | undefined> {
    const [latest] = (await this.moves(name, alias, undefined, 1)).moves;
    return latest && latest.version > 0 ? latest.version : undefined;
  }

  /** Every alias of `name` that points at a version, with its recent history. */
  async list(name: string): Promise<AliasView[]> {
    const files = await this.store.listMarkers(this.dir(name));
    const aliases = [...new Set(files.map((f) => f.split('.')[0]!).filter((a) => ALIAS_PATTERN.test(a)))];
    const views: AliasView[] = [];
    for (const alias of aliases.sort()) {
      const [latest, ...rest] = (await this.moves(name, alias, files)).moves;
      if (!latest || latest.version === 0) continue;
      views.push({ alias, ...latest, history: rest.slice(0, HISTORY_KEPT) });
    }
    return views;
  }

  /**
   * The highest seq taken, and the recorded moves newest first. A marker still being written
   * (empty for an instant) takes its seq but is not a move yet.
   */
  private async moves(
    name: string,
    alias: string,
    files?: string[],
    want = HISTORY_KEPT + 1,
  ): Promise<{ lastSeq: number; moves: AliasMove[] }> {
    const all = files ?? (await this.store.listMarkers(this.dir(name)));
    const seqs = all
      .map((f) => /^([a-z][a-z0-9-]*)\.([1-9][0-9]{0,9})$/.exec(f))
      .filter((m): m is RegExpExecArray => m !== null && m[1] === alias)
      .map((m) => Number(m[2]))
      .sort((a, b) => b - a);
    const moves: AliasMove[] = [];
    for (const seq of seqs) {
      if (moves.length >= want) break;
      const move = parseMove(await this.store.readMarker(`${this.dir(name)}/${alias}.${seq}`));
      if (move) moves.push(move);
    }
    return { lastSeq: seqs[0] ?? 0, moves };
  }
}

function parseMove(raw: string | undefined): AliasMove | undefined {
  if (!raw) return undefined;
  try {
    const v = JSON.parse(raw) as Partial<AliasMove>;
    if (typeof v.version !== 'number' || !Number.isSafeInteger(v.version) || v.version < 0) return undefined;
    return { version: v.version, movedAt: String(v.movedAt ?? ''), previous: Number(v.previous ?? 0) };
  } catch {
    return undefined;
  }
}
