import { api, type CommandTypeInfo } from './api-client.js';
import type { LiveFeed } from './live-feed.js';

/** What every view shares: the live feed, and what does not change while a node runs. */
export class PageContext {
  readonly feed: LiveFeed;
  #types: Promise<readonly CommandTypeInfo[]> | undefined;
  readonly #charts = new Map<string, Promise<string>>();

  constructor(feed: LiveFeed) {
    this.feed = feed;
  }

  /** The Command types the node runs (read once; a failed read is tried again next time). */
  types(): Promise<readonly CommandTypeInfo[]> {
    this.#types ??= api.types().catch((error: unknown) => {
      this.#types = undefined;
      throw error;
    });
    return this.#types;
  }

  /** A type's chart as SVG text (drawn once per type by the node, read once here). */
  chartSvg(type: string): Promise<string> {
    return cached(this.#charts, type, () => api.chartSvg(type));
  }
}

function cached<T>(cache: Map<string, Promise<T>>, key: string, load: () => Promise<T>) {
  let value = cache.get(key);
  if (!value) {
    value = load().catch((error: unknown) => {
      cache.delete(key);
      throw error;
    });
    cache.set(key, value);
  }
  return value;
}
