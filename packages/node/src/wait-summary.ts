import type { ErrorData } from '@coordinator/core';

/** One service's waits since the last summary. */
interface Episode {
  delayed: number;
  blocked: number;
  lastError: ErrorData;
}

/** What to log: the first wait of an outage, then one summary per service per interval. */
export type WaitLine =
  | {
      readonly kind: 'first';
      readonly service: string;
      readonly record: 'delayed' | 'blocked';
      readonly error: ErrorData;
    }
  | {
      readonly kind: 'summary';
      readonly service: string;
      readonly delayed: number;
      readonly blocked: number;
      readonly lastError: ErrorData;
    };

/**
 * Turns a flood of delayed and blocked steps into a few log lines: the first wait of each
 * service's outage, then per interval one summary per service still failing (counts and the
 * last error). A service with no wait for two whole intervals ends its outage: its next wait is
 * a `first` again.
 */
export class WaitSummary {
  readonly #episodes = new Map<string, Episode>();
  readonly #quiet = new Set<string>();

  /** Counts a wait; returns a `first` line when it starts an outage of its service. */
  record(service: string, record: 'delayed' | 'blocked', error: ErrorData): WaitLine | undefined {
    this.#quiet.delete(service);
    const episode = this.#episodes.get(service);
    if (episode) {
      episode[record] += 1;
      episode.lastError = error;
      return undefined;
    }
    this.#episodes.set(service, { delayed: 0, blocked: 0, lastError: error });
    return { kind: 'first', service, record, error };
  }

  /** The interval ended: one summary per service that waited in it; silent ones end. */
  flush(): WaitLine[] {
    const lines: WaitLine[] = [];
    for (const [service, episode] of this.#episodes) {
      if (episode.delayed + episode.blocked === 0) {
        if (this.#quiet.has(service)) {
          this.#episodes.delete(service);
          this.#quiet.delete(service);
        } else this.#quiet.add(service);
        continue;
      }
      lines.push({ kind: 'summary', service, ...episode });
      episode.delayed = 0;
      episode.blocked = 0;
    }
    return lines;
  }

  /** Services in an outage now. */
  get active(): number {
    return this.#episodes.size;
  }
}
