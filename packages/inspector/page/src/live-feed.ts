import type { CoordinatorEvent } from '@coordinator/core';

type TransitionEvent = Extract<CoordinatorEvent, { type: 'command.transition' }>;

/**
 * `event: command` of `GET /v1/events`: one record applied to one Command, with the machine state
 * keys before and after (`fromKey`, `key`: a chart's `data-state` ids) and the Command's type as
 * `type`.
 */
export type CommandTransition = Omit<TransitionEvent, 'type' | 'commandType'> & {
  readonly type: string;
  readonly at: number;
};

/** `event: node`: suspension changes, partitions gained (after recovery) and lost. */
interface NodeChange {
  readonly kind: 'suspension' | 'recovery' | 'owned' | 'revoked';
  readonly state?: string;
  readonly at: number;
  readonly [field: string]: unknown;
}

/** `connecting` until the stream opens, `open` while it streams, `retrying` after it dropped. */
export type FeedStatus = 'connecting' | 'open' | 'retrying';

interface Listeners {
  command: Set<(event: CommandTransition) => void>;
  node: Set<(event: NodeChange) => void>;
  reset: Set<() => void>;
  status: Set<(status: FeedStatus) => void>;
}

/**
 * The page's one subscription to the node's live events (`GET /v1/events`). Views listen to what
 * they show and stop when they leave. The browser's `EventSource` reconnects by itself and resumes
 * with `Last-Event-ID`; when the node no longer has the events missed it sends `reset`, and
 * listeners read their state again.
 */
export class LiveFeed {
  readonly #listeners: Listeners = {
    command: new Set(),
    node: new Set(),
    reset: new Set(),
    status: new Set(),
  };
  #status: FeedStatus = 'connecting';

  constructor(url = '/v1/events') {
    const source = new EventSource(url);
    source.addEventListener('open', () => this.#setStatus('open'));
    source.addEventListener('error', () => this.#setStatus('retrying'));
    source.addEventListener('command', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as CommandTransition;
      for (const listener of this.#listeners.command) listener(data);
    });
    source.addEventListener('node', (event) => {
      const data = JSON.parse((event as MessageEvent<string>).data) as NodeChange;
      for (const listener of this.#listeners.node) listener(data);
    });
    source.addEventListener('reset', () => {
      for (const listener of this.#listeners.reset) listener();
    });
  }

  get status(): FeedStatus {
    return this.#status;
  }

  /** Calls `listener` with each event of `kind` until the returned function is called. */
  on<K extends keyof Listeners>(
    kind: K,
    listener: Listeners[K] extends Set<infer L> ? L : never,
  ): () => void {
    const set = this.#listeners[kind] as Set<typeof listener>;
    set.add(listener);
    return () => set.delete(listener);
  }

  #setStatus(status: FeedStatus): void {
    if (status === this.#status) return;
    this.#status = status;
    for (const listener of this.#listeners.status) listener(status);
  }
}
