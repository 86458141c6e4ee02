import type { IdSource, Random } from '../random.js';

/** A deterministic random source (mulberry32): the same seed gives the same sequence. */
export class SeededRandom implements Random {
  #state: number;

  constructor(seed = 1) {
    this.#state = seed >>> 0;
  }

  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
}

/** Ids `cmd-1`, `cmd-2`, ... */
export class SequentialIds implements IdSource {
  #next = 0;
  readonly #prefix: string;

  constructor(prefix = 'cmd-') {
    this.#prefix = prefix;
  }

  next(): string {
    this.#next += 1;
    return `${this.#prefix}${this.#next}`;
  }
}
