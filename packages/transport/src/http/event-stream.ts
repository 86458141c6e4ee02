import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventFeed, FeedEvent } from './event-feed.js';

/** An SSE frame, made once per event whatever the number of subscribers. */
const frames = new WeakMap<FeedEvent, string>();

function frameOf(event: FeedEvent): string {
  let frame = frames.get(event);
  if (frame === undefined) {
    frame = `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
    frames.set(event, frame);
  }
  return frame;
}

/** A subscriber that falls this far behind (bytes unsent) is dropped; it resumes by its last id. */
const maxBufferedBytes = 4 * 1024 * 1024;
const keepaliveMs = 15_000;

function queryText(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * `GET /v1/events`: the live stream as Server-Sent Events. `?type=` and `?id=` keep only the
 * Command events of that type or Command (node events always pass); `Last-Event-ID` (or
 * `?lastEventId=`) resumes after an event. Frames are written once per tick per subscriber, so
 * a busy node sends each subscriber a few large writes rather than many small ones.
 * Returns a function that ends every open stream (the server closes).
 */
export function registerEventStream(app: FastifyInstance, feed: EventFeed): () => void {
  const open = new Set<() => void>();
  app.get('/v1/events', (request, reply) => {
    const type = queryText(request, 'type');
    const id = queryText(request, 'id');
    const header = request.headers['last-event-id'];
    const lastEventId =
      (typeof header === 'string' && header !== '' ? header : undefined) ??
      queryText(request, 'lastEventId');
    reply.hijack();
    const response = reply.raw;
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    });
    response.write('retry: 1000\n\n');
    const pending: string[] = [];
    let scheduled = false;
    const flush = () => {
      scheduled = false;
      if (pending.length === 0 || response.destroyed) return;
      const chunk = pending.join('');
      pending.length = 0;
      if (!response.write(chunk) && response.writableLength > maxBufferedBytes) response.destroy();
    };
    const send = (text: string) => {
      pending.push(text);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    };
    const unsubscribe = feed.subscribe(lastEventId, (event) => {
      if (type !== undefined && event.type !== undefined && event.type !== type) return;
      if (id !== undefined && event.commandId !== undefined && event.commandId !== id) return;
      send(frameOf(event));
    });
    const keepalive = setInterval(() => send(': keepalive\n\n'), keepaliveMs);
    const end = () => {
      clearInterval(keepalive);
      unsubscribe();
      open.delete(end);
      response.end();
    };
    open.add(end);
    response.on('close', end);
  });
  return () => {
    for (const end of [...open]) end();
  };
}
