import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { keyIdSchema, projectIdSchema, roleSchema } from '../contracts/project.js';

/**
 * API_KEYS_FILE: keys with projects and roles, stored as SHA-256 digests (never the key), and
 * optional quotas per project. README "Projects and keys" shows the format.
 */

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/i, 'the SHA-256 of the key as 64 hex digits (e.g. `printf %s "$KEY" | sha256sum`)')
  .transform((s) => s.toLowerCase());

export const fileKeySchema = z.strictObject({
  id: keyIdSchema,
  sha256: sha256Hex,
  project: projectIdSchema,
  roles: z.array(roleSchema).min(1),
  /** Model names or ids a predict key may use; absent: every model of its project. */
  models: z.array(z.string().min(1).max(128)).min(1).optional(),
});

export const quotasSchema = z.strictObject({
  storedBytes: z.number().int().min(0).optional(),
  concurrentJobs: z.number().int().min(0).optional(),
  predictsPerSecond: z.number().int().min(0).optional(),
});
export type Quotas = z.infer<typeof quotasSchema>;

export const keysFileSchema = z.strictObject({
  keys: z.array(fileKeySchema),
  projects: z.record(projectIdSchema, z.strictObject({ quotas: quotasSchema.optional() })).optional(),
});
export type KeysFile = z.infer<typeof keysFileSchema>;
export type FileKey = z.infer<typeof fileKeySchema>;

/** Reads and checks the file; an Error naming the file and every problem in it otherwise. */
export function readKeysFile(path: string): KeysFile {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`API_KEYS_FILE '${path}' could not be read as JSON: ${(err as Error).message}`);
  }
  const parsed = keysFileSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`);
    throw new Error(`API_KEYS_FILE '${path}' is not valid: ${problems.join('; ')}`);
  }
  const seen = new Set<string>();
  for (const k of parsed.data.keys) {
    const id = `${k.project}/${k.id}`;
    if (seen.has(id))
      throw new Error(`API_KEYS_FILE '${path}': key id '${k.id}' appears twice in project '${k.project}'`);
    seen.add(id);
  }
  return parsed.data;
}
