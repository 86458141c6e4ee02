import type { CommandTransition, LiveFeed } from './live-feed.js';

/** Which live events make a view read its state again. */
export interface Follow {
  /** The Command events that matter (default: none). */
  readonly command?: (event: CommandTransition) => boolean;
  /** Node events (suspension, ownership) matter too. @default false */
  readonly node?: boolean;
}

/**
 * Calls `reload` after the live events that matter to a view, and after a `reset`: at most once
 * per `everyMs` however busy the node is, so a view shows the state within that time. Returns
 * the function that stops following.
 */
export function followLive(
  feed: LiveFeed,
  follow: Follow,
  reload: () => void,
  everyMs: number,
): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const soon = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      reload();
    }, everyMs);
  };
  const { command, node = false } = follow;
  const stops = [
    feed.on('reset', soon),
    ...(command ? [feed.on('command', (event) => command(event) && soon())] : []),
    ...(node ? [feed.on('node', soon)] : []),
  ];
  return () => {
    clearTimeout(timer);
    for (const stop of stops) stop();
  };
}
