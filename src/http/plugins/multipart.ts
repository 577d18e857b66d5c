import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config/env.js';
import type { UploadPart } from '../../contracts/upload-part.js';
import { PayloadTooLargeError } from '../../lib/errors.js';

/**
 * Multipart uploads with explicit limits, all of them here: files stream to disk (never
 * buffered whole), and a part over a limit is a 413 problem naming the setting that set it.
 */

export interface UploadLimits {
  fileBytes: number;
  files: number;
  fields: number;
  fieldBytes: number;
  /** The settings behind `fileBytes` and `files`, named in 413 problems. */
  names: { fileBytes: string; files: string };
}

/** Every route's upload limits, from the one config. */
export function uploadLimits(
  config: Pick<
    Config,
    'MAX_UPLOAD_BYTES' | 'MAX_UPLOAD_FILES' | 'PREDICT_MAX_IMAGE_BYTES' | 'PREDICT_MAX_INSTANCES'
  >,
): Record<'datasets' | 'baseModels' | 'predict', UploadLimits> {
  const uploads: UploadLimits = {
    fileBytes: config.MAX_UPLOAD_BYTES,
    files: config.MAX_UPLOAD_FILES,
    fields: 32,
    fieldBytes: 1024 * 1024,
    names: { fileBytes: 'MAX_UPLOAD_BYTES', files: 'MAX_UPLOAD_FILES' },
  };
  return {
    datasets: uploads,
    baseModels: uploads,
    predict: {
      fileBytes: config.PREDICT_MAX_IMAGE_BYTES,
      files: config.PREDICT_MAX_INSTANCES,
      fields: 8,
      fieldBytes: 1024,
      names: { fileBytes: 'PREDICT_MAX_IMAGE_BYTES', files: 'PREDICT_MAX_INSTANCES' },
    },
  };
}

function busboyLimits(limits: UploadLimits) {
  return {
    fileSize: limits.fileBytes,
    files: limits.files,
    fields: limits.fields,
    fieldSize: limits.fieldBytes,
    parts: limits.files + limits.fields,
    headerPairs: 200,
  };
}

/**
 * A request's multipart parts as UploadParts, under `limits`. A file over the size limit is
 * either failed by busboy (FST_REQ_FILE_TOO_LARGE) or cut short (`truncated`); both end as the
 * same 413, as do too many files or parts.
 */
export async function* uploadParts(
  request: FastifyRequest,
  limits: UploadLimits,
): AsyncGenerator<UploadPart> {
  let files = 0;
  const tooLarge = (): PayloadTooLargeError =>
    new PayloadTooLargeError(
      `files[${files}] is larger than the upload limit of ${limits.fileBytes} bytes (${limits.names.fileBytes})`,
      { errors: [{ path: `files[${files}]`, message: 'too large' }] },
    );
  try {
    for await (const part of request.parts({ limits: busboyLimits(limits) })) {
      if (part.type === 'file') {
        yield { type: 'file', field: part.fieldname, filename: part.filename, stream: part.file };
        if (part.file.truncated) throw tooLarge();
        files++;
      } else {
        const value = typeof part.value === 'string' ? part.value : JSON.stringify(part.value);
        yield { type: 'field', field: part.fieldname, value };
      }
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw tooLarge();
    if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw new PayloadTooLargeError(
        `more than ${limits.files} files in one request (${limits.names.files})`,
        {
          errors: [{ path: 'files', message: `at most ${limits.files}` }],
        },
      );
    }
    throw err;
  }
}

export default fp(
  async function multipartPlugin(app: FastifyInstance, opts: { limits: UploadLimits }) {
    await app.register(multipart, { throwFileSizeLimit: true, limits: busboyLimits(opts.limits) });
  },
  { name: 'multipart' },
);
