import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import { loggerOptions } from '../../src/lib/logger.js';

/** A logger configured as the service's, whose lines (raw JSON text) are kept in `lines`. */
export function captureLogs(level: string): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = pino(
    loggerOptions(level),
    new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    }),
  );
  return { logger, lines };
}
