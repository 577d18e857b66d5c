import { EventSourceParserStream, type EventSourceMessage } from 'eventsource-parser/stream';
import { problemFrom, ProblemError } from './problem.js';

/**
 * Reads a Server-Sent Events answer (`/v1/jobs/{id}/events`, `/v1/advisor/{id}/events`) as
 * parsed messages. Heartbeat comments are dropped by the parser.
 */
export async function* sseMessages(response: Response): AsyncGenerator<EventSourceMessage> {
  if (!response.ok) throw problemFrom(response, await bodyOf(response));
  if (!response.body) return;
  const stream = response.body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream());
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

/**
 * The service's stream ends with `event: end` (the final record) or, when it failed midway,
 * `event: error` with `{ status, detail }`: turned into a ProblemError here.
 */
export function streamError(message: EventSourceMessage): ProblemError {
  let body: { status?: number; detail?: string } = {};
  try {
    body = JSON.parse(message.data) as typeof body;
  } catch {
    // not JSON: the detail below says what came
  }
  return new ProblemError({
    type: 'about:blank',
    title: 'Event stream failed',
    status: body.status ?? 502,
    detail: body.detail ?? `the event stream failed: ${message.data.slice(0, 200)}`,
  });
}

export async function bodyOf(response: Response): Promise<unknown> {
  const text = await response.text().catch(() => '');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
