import { waitFor } from './wait-for.js';

/** One Server-Sent Event as received: its id, name and JSON data. */
export interface ReceivedEvent {
  readonly id: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

/** A live `GET /v1/events` stream, read into `events` as frames arrive. */
export interface EventStream {
  readonly events: ReceivedEvent[];
  /** The `command` events of one Command, in order. */
  of(commandId: string): ReceivedEvent[];
  /** Waits (with a deadline) until an event matches, and returns it. */
  until(what: string, match: (event: ReceivedEvent) => boolean): Promise<ReceivedEvent>;
  close(): void;
}

/** Splits an SSE text into frames; returns the events and the unfinished rest. */
function parseFrames(text: string): { frames: ReceivedEvent[]; rest: string } {
  const frames: ReceivedEvent[] = [];
  const blocks = text.split('\n\n');
  const rest = blocks.pop() ?? '';
  for (const block of blocks) {
    const fields: Record<string, string> = {};
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
    }
    if (fields.data !== undefined && fields.id !== undefined && fields.event !== undefined) {
      frames.push({
        id: fields.id,
        event: fields.event,
        data: JSON.parse(fields.data) as Record<string, unknown>,
      });
    }
  }
  return { frames, rest };
}

/**
 * Opens `GET <url>/v1/events<query>` (with `Last-Event-ID` when given) and reads it in the
 * background; resolves once the response's headers are in, so the subscription is live.
 */
export async function openEvents(
  url: string,
  { query = '', lastEventId, headers = {} }: OpenEvents = {},
): Promise<EventStream> {
  const controller = new AbortController();
  const response = await fetch(`${url}/v1/events${query}`, {
    signal: controller.signal,
    headers: { ...headers, ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
  });
  if (response.status !== 200 || !response.body) {
    throw new Error(`GET /v1/events answered ${response.status}: ${await response.text()}`);
  }
  const events: ReceivedEvent[] = [];
  const body = response.body.pipeThrough(new TextDecoderStream());
  void (async () => {
    let pending = '';
    try {
      for await (const chunk of body) {
        const { frames, rest } = parseFrames(pending + chunk);
        pending = rest;
        events.push(...frames);
      }
    } catch {
      // Closed by `close()` or by the node going away: the events so far stay readable.
    }
  })();
  return {
    events,
    of: (commandId) => events.filter((e) => e.event === 'command' && e.data.id === commandId),
    until: (what, match) => waitFor(what, () => events.find(match)),
    close: () => controller.abort(),
  };
}

interface OpenEvents {
  readonly query?: string;
  readonly lastEventId?: string;
  readonly headers?: Readonly<Record<string, string>>;
}
