import type { ServerResponse } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { EventFeed, FeedEvent } from './event-feed.js';

/** An event's SSE frame. A batch makes each frame once, whatever the number of subscribers. */
function frameOf(event: FeedEvent): string {
  return `id: ${event.id}\nevent: ${event.event}\ndata: ${JSON.stringify(event.data)}\n\n`;
}

/** A subscriber that falls this far behind (bytes unsent) is dropped; it resumes by its last id. */
const maxBufferedBytes = 4 * 1024 * 1024;
const keepaliveMs = 15_000;
/**
 * Events are gathered this long and sent together: a busy node makes a few large writes a second
 * per subscriber instead of one per event (a page redrawing 40 times a second looks live).
 */
const batchMs = 25;

function queryText(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** One open stream: its filters, and the response its frames go to. */
interface Subscriber {
  readonly type: string | undefined;
  readonly id: string | undefined;
  readonly response: ServerResponse;
}

function passes(subscriber: Subscriber, event: FeedEvent): boolean {
  if (subscriber.type !== undefined && event.type !== undefined && event.type !== subscriber.type)
    return false;
  return !(
    subscriber.id !== undefined &&
    event.commandId !== undefined &&
    event.commandId !== subscriber.id
  );
}

function write(subscriber: Subscriber, chunk: string | Buffer): void {
  const { response } = subscriber;
  if (response.destroyed) return;
  if (!response.write(chunk) && response.writableLength > maxBufferedBytes) response.destroy();
}

/**
 * `GET /v1/events`: the live stream as Server-Sent Events. `?type=` and `?id=` keep only the
 * Command events of that type or Command (node events always pass); `Last-Event-ID` (or
 * `?lastEventId=`) resumes after an event. The events of each 25 ms go out together: one
 * buffer, encoded once and written to every unfiltered subscriber, so ten watchers cost little
 * more than one. Returns a function that ends every open stream (the server closes).
 */
export function registerEventStream(app: FastifyInstance, feed: EventFeed): () => void {
  const subscribers = new Set<Subscriber>();
  let batch: FeedEvent[] = [];
  let scheduled = false;
  let unsubscribe: (() => void) | undefined;
  const ends = new Set<() => void>();

  const flush = () => {
    scheduled = false;
    if (batch.length === 0) return;
    const events = batch;
    batch = [];
    // Frames made here die young: kept with the events, they would outlive the batch.
    const frames = events.map(frameOf);
    let all: Buffer | undefined;
    for (const subscriber of subscribers) {
      if (subscriber.type === undefined && subscriber.id === undefined) {
        all ??= Buffer.from(frames.join(''));
        write(subscriber, all);
      } else {
        const mine = frames.filter((_, i) => passes(subscriber, events[i] as FeedEvent));
        if (mine.length > 0) write(subscriber, mine.join(''));
      }
    }
  };
  const onEvent = (event: FeedEvent) => {
    batch.push(event);
    if (!scheduled) {
      scheduled = true;
      setTimeout(flush, batchMs).unref();
    }
  };

  app.get('/v1/events', (request, reply) => {
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
    const subscriber: Subscriber = {
      type: queryText(request, 'type'),
      id: queryText(request, 'id'),
      response,
    };
    // Send what the others already have queued first, so the backlog and the batches meet
    // without a gap or a repeat.
    flush();
    const backlog = lastEventId === undefined ? [] : feed.since(lastEventId);
    const frames = backlog.filter((event) => passes(subscriber, event)).map(frameOf);
    response.write(`retry: 1000\n\n${frames.join('')}`);
    subscribers.add(subscriber);
    unsubscribe ??= feed.subscribe(onEvent);
    const keepalive = setInterval(() => write(subscriber, ': keepalive\n\n'), keepaliveMs);
    const end = () => {
      clearInterval(keepalive);
      if (!subscribers.delete(subscriber)) return;
      if (subscribers.size === 0) {
        unsubscribe?.();
        unsubscribe = undefined;
        batch = [];
      }
      response.end();
    };
    ends.add(end);
    response.on('close', () => {
      ends.delete(end);
      end();
    });
  });
  return () => {
    for (const end of [...ends]) end();
  };
}
