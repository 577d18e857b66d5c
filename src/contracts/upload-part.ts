import type { Readable } from 'node:stream';

/**
 * One part of an upload, whatever the transport: the HTTP layer adapts multipart parts to it
 * (src/http/plugins/multipart.ts), and the dataset and base-model services read it.
 */
export type UploadPart =
  | { type: 'file'; field: string; filename: string; stream: Readable }
  | { type: 'field'; field: string; value: string };
