import type { NodeInspection } from './api-client.js';
import type { CommandTransition, LiveFeed } from './live-feed.js';

type Counts = Record<string, Record<string, number>>;

/** How long after the last live event the counts are read again from the node... */
const settleMs = 1500;
/** ...but no later than this after the first event not read yet (a node that never rests). */
const maxStaleMs = 10_000;

/**
 * Commands per type and machine state, kept live: read from `GET /v1/node`, then moved one by
 * one as the live events say (`fromKey` → `key`; a new Command's first event, `started`, moves it
 * out of `pending`, where no read may have counted it yet, so counts never go below zero). Once events
 * stop for a moment (or every few seconds on a node that never rests) the node's own counts are
 * read again: that corrects events that crossed a read and what no event tells (finished
 * Commands leaving retention, a `reset`).
 */
export class LiveCounts {
  readonly #feed: LiveFeed;
  readonly #read: () => Promise<NodeInspection>;
  readonly #changed: (counts: Readonly<Counts>) => void;
  readonly #stops: (() => void)[] = [];
  #counts: Counts = {};
  /** When the first event not covered by a read arrived. */
  #staleSince: number | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The frame that shows the counts: however many events arrive, they are drawn once a frame. */
  #frame: number | undefined;
  #stopped = false;

  constructor(
    feed: LiveFeed,
    read: () => Promise<NodeInspection>,
    changed: (counts: Readonly<Counts>) => void,
  ) {
    this.#feed = feed;
    this.#read = read;
    this.#changed = changed;
  }

  /** Follows the live events and reads the counts; resolves once they are shown. */
  async start(): Promise<void> {
    this.#stops.push(
      this.#feed.on('command', (event) => this.#move(event)),
      this.#feed.on('reset', () => this.#schedule(0)),
      this.#feed.on('status', (status) => {
        if (status === 'open') this.#schedule(0);
      }),
    );
    await this.#refresh();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#frame !== undefined) cancelAnimationFrame(this.#frame);
    for (const stop of this.#stops.splice(0)) stop();
  }

  #move(event: CommandTransition): void {
    this.#staleSince ??= Date.now();
    const byKey = this.#counts[event.type] ?? {};
    this.#counts[event.type] = byKey;
    if (event.fromKey === event.key) return;
    byKey[event.fromKey] = Math.max(0, (byKey[event.fromKey] ?? 0) - 1);
    byKey[event.key] = (byKey[event.key] ?? 0) + 1;
    this.#show();
    this.#schedule(Math.min(settleMs, this.#staleSince + maxStaleMs - Date.now()));
  }

  #show(): void {
    this.#frame ??= requestAnimationFrame(() => {
      this.#frame = undefined;
      this.#changed(this.#counts);
    });
  }

  #schedule(delayMs: number): void {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#refresh(), delayMs);
  }

  async #refresh(): Promise<void> {
    this.#staleSince = undefined;
    let node: NodeInspection;
    try {
      node = await this.#read();
    } catch {
      if (!this.#stopped) this.#schedule(settleMs * 4);
      return;
    }
    if (this.#stopped) return;
    this.#counts = structuredClone(node.counts) as Counts;
    this.#show();
  }
}
