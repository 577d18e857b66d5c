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
  // AWS credentials, should an SDK object or an env dump ever reach a log call.
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  '*.AWS_ACCESS_KEY_ID',
  '*.AWS_SECRET_ACCESS_KEY',
  '*.AWS_SESSION_TOKEN',
  '*.accessKeyId',
  '*.secretAccessKey',
  '*.sessionToken',
  '*.credentials',
];

/** Query parameters whose values are never logged (`?api_key=...` must not end up in a log). */
const SECRET_PARAM = /key|token|secret|pass|auth|sig|credential/i;

/** The URL with the values of secret-looking query parameters replaced. */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return eq >= 0 && SECRET_PARAM.test(decodeURIComponentSafe(name)) ? `${name}=[redacted]` : pair;
    })
    .join('&');
  return `${url.slice(0, q)}?${query}`;
}

function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

interface LoggedRequest {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remoteAddress?: string };
}

export function loggerOptions(level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: {
      // Fastify's request shape, with secrets in the query string redacted.
      req: (req: LoggedRequest) => ({
        method: req.method,
        url: req.url === undefined ? undefined : redactUrl(req.url),
        host: req.host,
        remoteAddress: req.ip ?? req.socket?.remoteAddress,
      }),
    },
    base: { pid: process.pid },
  };
}

export function createLogger(level: string): Logger {
  return pino(loggerOptions(level));
}

export type { Logger };
