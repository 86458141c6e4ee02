import { MinHeap } from './min-heap.js';

/**
 * Tracks, for one partition, the checkpoint: the lowest position still needed to rebuild every
 * unfinished Command. A Command needs its records from its accepted record, or from its latest
 * snapshot record; once done it needs none. With no unfinished Command the checkpoint is the
 * position after the last record seen.
 *
 * coordinator-go's Batcher committed offsets as Commands completed, which could pass a slow
 * Command's first record; this never does, and advances as soon as the oldest one finishes.
 */
export class CheckpointTracker {
  readonly #first = new Map<string, number>();
  readonly #heap = new MinHeap<string>();
  #end: number;

  /** `start` is the checkpoint replay began at. */
  constructor(start = 0) {
    this.#end = start;
  }

  /** Notes that `position` holds a record (of any Command). */
  observe(position: number): void {
    if (position + 1 > this.#end) this.#end = position + 1;
  }

  /** A Command now needs its records from `position` on (accepted, or a snapshot). */
  need(id: string, position: number): void {
    this.observe(position);
    this.#first.set(id, position);
    this.#heap.push(position, id);
  }

  /** A Command finished: it needs nothing more. */
  release(id: string): void {
    this.#first.delete(id);
  }

  /** Unfinished Commands tracked. */
  get open(): number {
    return this.#first.size;
  }

  get checkpoint(): number {
    for (;;) {
      const id = this.#heap.peek();
      if (id === undefined) return this.#end;
      const position = this.#heap.peekKey() as number;
      if (this.#first.get(id) === position) return position;
      this.#heap.pop();
    }
  }

  /** The position after the last record seen. */
  get end(): number {
    return this.#end;
  }

  /** Ids of the unfinished Commands whose first needed record lies before `position`. */
  pinning(position: number): string[] {
    const ids: string[] = [];
    for (const [id, first] of this.#first) if (first < position) ids.push(id);
    return ids;
  }
}
