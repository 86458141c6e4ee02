import { basename } from 'node:path';
import { segmentHeaderBytes } from './segment-file.js';

/** Positions that are multiples of this are remembered in a segment's sparse index. */
export const indexInterval = 1024;

/**
 * One segment file as the log knows it: its first position, its path and a sparse index of
 * record offsets (the first record and every position that is a multiple of
 * {@link indexInterval}), filled as records are written or scanned, so a read starting inside
 * the segment skips to within that many records of its start.
 */
export class Segment {
  readonly base: number;
  readonly path: string;
  readonly name: string;
  readonly #positions: number[];
  readonly #offsets: number[] = [segmentHeaderBytes];

  constructor(base: number, path: string) {
    this.base = base;
    this.path = path;
    this.name = basename(path);
    this.#positions = [base];
  }

  /** Records that the record at `position` starts at byte `offset`. */
  note(position: number, offset: number): void {
    if (position % indexInterval === 0 && position > (this.#positions.at(-1) as number)) {
      this.#positions.push(position);
      this.#offsets.push(offset);
    }
  }

  /** The indexed record nearest before (or at) `position`, to start scanning from. */
  seek(position: number): { readonly position: number; readonly offset: number } {
    const positions = this.#positions;
    let low = 0;
    let high = positions.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if ((positions[mid] as number) <= position) low = mid;
      else high = mid - 1;
    }
    return { position: positions[low] as number, offset: this.#offsets[low] as number };
  }
}
