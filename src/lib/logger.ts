import { pino, type Logger, type LoggerOptions } from 'pino';

/** Secrets never reach the logs: auth headers, cookies and anything named like a key. */
export const redactPaths = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'config.API_KEYS',
  'API_KEYS',
  '*.apiKey',
  '*.password',
  '*.token',
];

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    base: { pid: process.pid },
  };
}

export function createLogger(level: string): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
