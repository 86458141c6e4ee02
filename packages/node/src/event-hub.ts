import { randomUUID } from 'node:crypto';
import type { CoordinatorEvent } from '@coordinator/core';
import type { EventFeed, FeedEvent } from '@coordinator/transport';

/** What one live event says, before it gets its id. */
type Draft = Omit<FeedEvent, 'id'>;

/**
 * The node's live events for `GET /v1/events`: Command transitions (each with the machine states
 * before and after, `fromKey` and `key`: a chart's state ids) and node changes (suspension,
 * partitions gained and lost, recovery progress), each with an id `<run>-<n>` that grows by one.
 * The last `capacity` events are kept, so a client that reconnects with `Last-Event-ID` misses
 * nothing unless it fell further behind (or the node restarted): then it gets a `reset` first.
 */
export class EventHub implements EventFeed {
  readonly #run = randomUUID().slice(0, 8);
  readonly #capacity: number;
  /** Event `n` sits at `n % capacity`: a ring, so keeping the last ones costs no copying. */
  readonly #ring: FeedEvent[];
  readonly #listeners = new Set<(event: FeedEvent) => void>();
  #next = 1;
  #clock: () => number;

  constructor(capacity = 10_000, clock: () => number = Date.now) {
    this.#capacity = capacity;
    this.#ring = new Array<FeedEvent>(capacity);
    this.#clock = clock;
  }

  /** Subscribers now. */
  get subscribers(): number {
    return this.#listeners.size;
  }

  subscribe(listener: (event: FeedEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  since(lastEventId: string): readonly FeedEvent[] {
    const dash = lastEventId.indexOf('-');
    const seq = Number(lastEventId.slice(dash + 1));
    const oldest = Math.max(1, this.#next - this.#capacity);
    if (
      lastEventId.slice(0, dash) !== this.#run ||
      !Number.isSafeInteger(seq) ||
      seq < oldest - 1 ||
      seq >= this.#next
    ) {
      const reason = 'events after your last one are no longer kept: read the state again';
      return [{ id: `${this.#run}-${this.#next - 1}`, event: 'reset', data: { reason } }];
    }
    const events: FeedEvent[] = [];
    for (let n = seq + 1; n < this.#next; n++)
      events.push(this.#ring[n % this.#capacity] as FeedEvent);
    return events;
  }

  /** Turns a driver event into a live event (or drops the ones the stream does not carry). */
  readonly onDriverEvent = (event: CoordinatorEvent): void => {
    const draft = liveEvent(event, this.#clock());
    if (draft) this.publish(draft);
  };

  publish(draft: Draft): void {
    const n = this.#next++;
    const event: FeedEvent = { id: `${this.#run}-${n}`, ...draft };
    this.#ring[n % this.#capacity] = event;
    for (const listener of this.#listeners) listener(event);
  }
}

function liveEvent(event: CoordinatorEvent, at: number): Draft | undefined {
  switch (event.type) {
    case 'command.transition': {
      // The lifecycle states and position are in the keys: the frame stays small.
      const { type: _, commandType, from: _from, to: _to, position: _p, ...rest } = event;
      return {
        event: 'command',
        type: commandType,
        commandId: event.id,
        data: { ...rest, type: commandType, at },
      };
    }
    case 'node.suspension':
      return { event: 'node', data: { kind: 'suspension', state: event.state, at } };
    case 'recovery.progress':
      return { event: 'node', data: { kind: 'recovery', ...omitType(event), at } };
    case 'recovery.done':
      return { event: 'node', data: { kind: 'owned', ...omitType(event), at } };
    case 'partition.revoked':
      return { event: 'node', data: { kind: 'revoked', partition: event.partition, at } };
    default:
      return undefined;
  }
}

function omitType<E extends { type: string }>(event: E): Omit<E, 'type'> {
  const { type: _, ...rest } = event;
  return rest;
}
