/** One event of the live stream: `GET /v1/events` sends it as an SSE frame. */
export interface FeedEvent {
  /** Unique in the stream, in order: what `Last-Event-ID` names to resume after it. */
  readonly id: string;
  /** The SSE event name: `command` (a transition), `node` (suspension, ownership, recovery). */
  readonly event: string;
  /** The Command type and id it is about, for the stream's `type` and `id` filters. */
  readonly type?: string;
  readonly commandId?: string;
  readonly data: unknown;
}

/** Where the live events come from: the node keeps recent ones so a client can resume. */
export interface EventFeed {
  /** Calls `listener` with each new event until the returned function is called. */
  subscribe(listener: (event: FeedEvent) => void): () => void;
  /**
   * The events after `lastEventId` still kept, oldest first. When that event is no longer kept
   * (too old, or from an earlier run), a single `reset` event (re-read the state, then follow).
   */
  since(lastEventId: string): readonly FeedEvent[];
}
