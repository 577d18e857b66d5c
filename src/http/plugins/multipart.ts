import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Multipart uploads with explicit limits: files stream to disk (never buffered whole), and a
 * file over `fileSize` raises FST_REQ_FILE_TOO_LARGE, which becomes a 413 problem.
 */
export default fp(
  async function multipartPlugin(app: FastifyInstance, opts: { maxFileBytes: number; maxFiles: number }) {
    await app.register(multipart, {
      throwFileSizeLimit: true,
      limits: {
        fileSize: opts.maxFileBytes,
        files: opts.maxFiles,
        fields: 32,
        fieldSize: 1024 * 1024,
        parts: opts.maxFiles + 32,
        headerPairs: 200,
      },
    });
  },
  { name: 'multipart' },
);
