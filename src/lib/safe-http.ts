import dns from 'node:dns';
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AppError, BadGatewayError, ValidationError } from './errors.js';
import { isPrivateAddress } from './private-address.js';

/**
 * GET for URLs that users supply. Against SSRF it checks every hop's address, not its name:
 * the DNS answer is validated inside the socket's own lookup, so the address checked is the
 * address connected to (no rebinding window between check and connect); IP literals, which
 * skip lookup, are checked up front. Redirects are followed by hand, each hop re-checked, up
 * to a limit. One AbortSignal bounds the whole exchange, body included, so a server that
 * trickles bytes cannot hold a request open past the deadline.
 */

export interface SafeGetOptions {
  allowPrivate: boolean;
  maxRedirects: number;
  /** Aborts the request and its body (use one deadline for a whole multi-file download). */
  signal: AbortSignal;
  /** Field reported in 400 problems, e.g. `body.url`. */
  field: string;
  /** How the deadline is configured, for the timeout message. */
  timeoutHint?: string;
}

export interface SafeResponse {
  body: IncomingMessage;
  /** The URL that answered, after redirects. */
  url: URL;
  contentLength: number | undefined;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

class PrivateAddressError extends Error {
  readonly code = 'EPRIVATEADDRESS';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(
      host === address
        ? `${host} is a private, loopback or reserved address`
        : `${host} resolves to ${address}, a private, loopback or reserved address`,
    );
  }
}

/** The URL without credentials, query or fragment: safe to log and to show. */
export function displayUrl(url: URL): string {
  return `${url.protocol}//${url.host}${url.pathname}`;
}

export function assertHttpUrl(raw: string | URL, field: string): URL {
  let url: URL;
  try {
    url = typeof raw === 'string' ? new URL(raw) : raw;
  } catch {
    throw new ValidationError(`'${String(raw)}' is not a valid URL`, {
      errors: [{ path: field, message: 'must be an absolute http(s) URL' }],
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ValidationError(
      `URL scheme '${url.protocol.replace(/:$/, '')}' is not allowed; use http or https`,
      {
        errors: [{ path: field, message: 'must be an http or https URL' }],
      },
    );
  }
  return url;
}

function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const list = addresses as dns.LookupAddress[];
      const bad = allowPrivate ? undefined : list.find((a) => isPrivateAddress(a.address));
      if (bad) return callback(new PrivateAddressError(hostname, bad.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, list);
      const first = list[0];
      if (!first)
        return callback(Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

function requestOnce(url: URL, opts: SafeGetOptions): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!opts.allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) {
    return Promise.reject(new PrivateAddressError(host, host));
  }
  const client = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(url, {
      method: 'GET',
      agent: false,
      lookup: guardedLookup(opts.allowPrivate),
      signal: opts.signal,
      headers: { accept: '*/*', 'accept-encoding': 'identity', 'user-agent': 'transfer-learning-service' },
    });
    req.once('response', resolve);
    req.once('error', reject);
    req.end();
  });
}

/** Maps a network failure on `url` to a problem: 400 for forbidden targets, else 502. */
export function fetchError(err: unknown, url: URL, opts: SafeGetOptions): AppError {
  if (err instanceof AppError) return err;
  const shown = displayUrl(url);
  if (err instanceof PrivateAddressError) {
    return new ValidationError(
      `${shown}: ${err.message}; such URLs are refused unless ALLOW_PRIVATE_URLS=true`,
      { errors: [{ path: opts.field, message: 'must not resolve to a private or loopback address' }] },
    );
  }
  if (opts.signal.aborted) {
    return new BadGatewayError(
      `fetching ${shown} did not finish in time${opts.timeoutHint ? ` (${opts.timeoutHint})` : ''}`,
    );
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? 'host not found'
      : code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ECONNRESET' || code === 'ERR_STREAM_PREMATURE_CLOSE'
          ? 'connection closed before the download finished'
          : (code ?? (err instanceof Error ? err.message : String(err)));
  return new BadGatewayError(`could not download ${shown}: ${reason}`, { cause: err });
}

export async function safeGet(start: URL, opts: SafeGetOptions): Promise<SafeResponse> {
  let url = start;
  for (let hop = 0; ; hop++) {
    let res: IncomingMessage;
    try {
      res = await requestOnce(url, opts);
    } catch (err) {
      throw fetchError(err, url, opts);
    }
    const status = res.statusCode ?? 0;
    if (REDIRECTS.has(status)) {
      res.resume();
      const location = res.headers.location;
      if (!location) throw new BadGatewayError(`${displayUrl(url)} answered ${status} without a Location`);
      if (hop >= opts.maxRedirects) {
        throw new BadGatewayError(`${displayUrl(start)} redirected more than ${opts.maxRedirects} times`);
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        throw new BadGatewayError(`${displayUrl(url)} redirected to an invalid URL`);
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw new BadGatewayError(`${displayUrl(url)} redirected to a non-http(s) URL`);
      }
      url = next;
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw new BadGatewayError(`${displayUrl(url)} answered HTTP ${status}, expected 200`);
    }
    const len = Number(res.headers['content-length']);
    return { body: res, url, contentLength: Number.isFinite(len) && len >= 0 ? len : undefined };
  }
}
