import { openAsBlob } from 'node:fs';
import path from 'node:path';

/**
 * Multipart bodies for the routes that take files (datasets, base models, predict). A file is
 * given as a path (read lazily by `fs.openAsBlob`, so a large archive is never held whole in
 * memory) or as bytes with a file name.
 */
export type FileInput = string | { data: Blob | Uint8Array; filename: string };

export async function fileBlob(input: FileInput): Promise<{ blob: Blob; filename: string }> {
  if (typeof input === 'string') return { blob: await openAsBlob(input), filename: path.basename(input) };
  const blob = input.data instanceof Blob ? input.data : new Blob([input.data]);
  return { blob, filename: input.filename };
}

/** A form of text fields (undefined ones left out) and named file parts, in order. */
export async function formOf(
  fields: Record<string, string | number | undefined>,
  files: Array<[field: string, input: FileInput]>,
): Promise<FormData> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) form.append(k, String(v));
  for (const [field, input] of files) {
    const { blob, filename } = await fileBlob(input);
    form.append(field, blob, filename);
  }
  return form;
}
