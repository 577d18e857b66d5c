import type { FastifyReply, FastifyRequest } from 'fastify';
import { isAppError } from '../lib/errors.js';
import { isRedisUnavailable } from '../queue/queue-service.js';
import { domainProblem } from './plugins/error-handler.js';

/**
 * Server-Sent Events of a job (training job or advisor run): `progress` events as it goes, one
 * `end` event with the final state, heartbeats meanwhile; `events` gets an AbortSignal that fires
 * when the client goes away. A failure mid-stream becomes an `error` event naming the status and
 * what to do (`pollPath`), since the 200 status line is already sent.
 */
export async function streamJobEvents(
  request: FastifyRequest,
  reply: FastifyReply,
  events: (signal: AbortSignal) => AsyncIterable<{ type: 'progress' | 'end'; data: unknown }>,
  pollPath: string,
): Promise<void> {
  const abort = new AbortController();
  request.raw.on('close', () => abort.abort());
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no',
  });
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
  try {
    for await (const ev of events(abort.signal)) {
      res.write(`event: ${ev.type}\nid: ${Date.now()}\ndata: ${JSON.stringify(ev.data)}\n\n`);
    }
  } catch (err) {
    request.log.warn({ err }, 'job event stream ended with an error');
    const mapped = isAppError(err) ? domainProblem(err) : undefined;
    const cause = mapped
      ? { status: mapped.status, detail: (err as Error).message }
      : isRedisUnavailable(err)
        ? { status: 503, detail: 'The job queue is unavailable (Redis does not answer)' }
        : { status: 500, detail: 'the event stream failed' };
    const detail = `${cause.detail}; reconnect or poll GET ${pollPath}`;
    res.write(`event: error\ndata: ${JSON.stringify({ ...cause, detail })}\n\n`);
  } finally {
    clearInterval(heartbeat);
    res.end();
  }
}
