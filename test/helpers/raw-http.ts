import net from 'node:net';

export interface RawResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Sends one request exactly as written (request target untouched: no normalising of
 * percent-escapes, dot segments or the absolute form, unlike HTTP client libraries), and
 * reads the answer until the connection closes or `timeoutMs` passes (for streams).
 */
export function rawRequest(
  port: number,
  method: string,
  target: string,
  headers: Record<string, string> = {},
  timeoutMs = 2_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const finish = (): void => {
      clearTimeout(timer);
      socket.destroy();
      const [head = '', body = ''] = data.split('\r\n\r\n', 2);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1]);
      if (!Number.isFinite(status)) reject(new Error(`no status line for ${method} ${target}: ${head}`));
      else resolve({ status, head, body });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      data += chunk;
    });
    socket.on('end', finish);
    socket.on('error', reject);
    const lines = [
      `${method} ${target} HTTP/1.1`,
      `Host: 127.0.0.1:${port}`,
      'Connection: close',
      'Content-Length: 0',
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}
