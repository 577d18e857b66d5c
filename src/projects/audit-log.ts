/**
 * The audit log: every state-changing API request (POST, PUT, PATCH, DELETE), who made it (key
 * id and project), what it touched (route and object id), when, and how it ended. Append-only:
 * the service never edits or deletes an entry; the oldest go when a project's log passes
 * AUDIT_LOG_MAX_ENTRIES. Stored in Redis (queue/project-records.ts), also written as pino lines.
 */

export type AuditOutcome = 'ok' | 'refused' | 'failed';

export interface AuditEntry {
  at: string;
  keyId: string;
  project: string;
  method: string;
  /** The route pattern (`/v1/datasets/:id`), never the raw URL (which may carry anything). */
  route: string;
  /** The object the request named or created (`ds_…`, a model name), when there is one. */
  objectId?: string;
  status: number;
  /** `ok`: 2xx/3xx; `refused`: 4xx (bad input, a missing role, a quota); `failed`: 5xx. */
  outcome: AuditOutcome;
}

export interface AuditLogStore {
  append(entry: AuditEntry): Promise<void>;
  /** Newest first; `before`: the `id` of the last entry of the previous page. */
  page(
    project: string,
    opts: { limit: number; before?: string },
  ): Promise<{
    items: Array<AuditEntry & { id: string }>;
    next?: string;
  }>;
}

export function outcomeOf(status: number): AuditOutcome {
  return status >= 500 ? 'failed' : status >= 400 ? 'refused' : 'ok';
}

/** Counts events per second per scope, across every API process (a project's predict quota). */
export interface RateCounter {
  /** Counts one event now; false when it is over `perSecond` in the current second. */
  hit(scope: string, perSecond: number): Promise<boolean>;
}
