/** A binary min-heap ordered by a numeric key. */
export class MinHeap<T> {
  readonly #keys: number[] = [];
  readonly #items: T[] = [];

  get size(): number {
    return this.#items.length;
  }

  push(key: number, item: T): void {
    this.#keys.push(key);
    this.#items.push(item);
    this.#up(this.#items.length - 1);
  }

  /** The smallest key, or undefined when empty. */
  peekKey(): number | undefined {
    return this.#keys[0];
  }

  peek(): T | undefined {
    return this.#items[0];
  }

  pop(): T | undefined {
    const top = this.#items[0];
    const lastKey = this.#keys.pop();
    const lastItem = this.#items.pop();
    if (this.#items.length > 0 && lastKey !== undefined) {
      this.#keys[0] = lastKey;
      this.#items[0] = lastItem as T;
      this.#down(0);
    }
    return top;
  }

  #swap(a: number, b: number): void {
    const keys = this.#keys;
    const items = this.#items;
    [keys[a], keys[b]] = [keys[b] as number, keys[a] as number];
    [items[a], items[b]] = [items[b] as T, items[a] as T];
  }

  #up(index: number): void {
    const keys = this.#keys;
    for (let i = index; i > 0; ) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] as number) <= (keys[i] as number)) return;
      this.#swap(i, parent);
      i = parent;
    }
  }

  #down(index: number): void {
    const keys = this.#keys;
    const n = keys.length;
    for (let i = index; ; ) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && (keys[left] as number) < (keys[least] as number)) least = left;
      if (right < n && (keys[right] as number) < (keys[least] as number)) least = right;
      if (least === i) return;
      this.#swap(i, least);
      i = least;
    }
  }
}
