/**
 * How the API decides whether a request is for the protected `/v1` API: by the route that
 * matched, never by how the client spelled the URL. The router decodes `%76%31`, accepts the
 * absolute form `GET http://host/v1/...` and so on; a check on the raw `request.url` string
 * disagrees with it and can be skipped. The matched route's pattern (`/v1/datasets/:id`) is
 * the router's own answer.
 */

const API_PREFIXES = ['/v1', '/v2'];

/** The Open Inference Protocol's health probes stay open, like /healthz and /readyz. */
const OPEN_PATHS = new Set(['/v2/health/live', '/v2/health/ready']);

function under(prefix: string, path: string): boolean {
  return path === prefix || path.startsWith(`${prefix}/`);
}

function underApi(path: string): boolean {
  return API_PREFIXES.some((p) => under(p, path)) && !OPEN_PATHS.has(path);
}

/**
 * A request that matched no route is judged by its path as a lenient router would read it
 * (absolute form stripped, percent-decoding, duplicate slashes folded, dot segments resolved,
 * any case), so an unknown `/v1` path answers 401 before 404 whatever its spelling, and the
 * existence of routes is not revealed to a caller without a key.
 */
export function normalisedPath(rawUrl: string): string {
  let url = rawUrl.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '');
  url = url.split(/[?#]/, 1)[0] ?? '';
  let decoded = url;
  // Decoding repeatedly undoes double encoding (%2576 -> %76 -> v); bounded, and a malformed
  // escape keeps what decoded so far.
  for (let i = 0; i < 4; i++) {
    let next: string;
    try {
      next = decodeURIComponent(decoded);
    } catch {
      break;
    }
    if (next === decoded) break;
    decoded = next;
  }
  const segments: string[] = [];
  for (const segment of decoded.replace(/\\/g, '/').split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`.toLowerCase();
}

/** True when a route pattern (`/v1/datasets/:id`) is of the protected API. */
export function isApiUrl(route: string): boolean {
  return underApi(route);
}

type RoutedRequest = { url: string; routeOptions: { url?: string | undefined } };

/** True when the request is for the `/v1` or `/v2` API: authenticated and rate limited. */
export function isApiRequest(request: RoutedRequest): boolean {
  const route = request.routeOptions.url;
  if (route !== undefined) return underApi(route);
  return underApi(normalisedPath(request.url));
}

/**
 * True when the request is for the Open Inference Protocol (`/v2`), whose errors are
 * `{ "error": "..." }` rather than problem documents.
 */
export function isOipRequest(request: RoutedRequest): boolean {
  const route = request.routeOptions.url;
  return under('/v2', route ?? normalisedPath(request.url));
}
