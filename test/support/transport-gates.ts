/** Promises a test settles by hand, by key: lets Commands finish in an order the test picks. */
export class Gates<T = unknown> {
  readonly #gates = new Map<string, { promise: Promise<T>; resolve: (value: T) => void }>();

  /** The promise for `key` (created on first use). */
  wait(key: string): Promise<T> {
    return this.#gate(key).promise;
  }

  open(key: string, value: T): void {
    this.#gate(key).resolve(value);
  }

  #gate(key: string) {
    let gate = this.#gates.get(key);
    if (!gate) {
      let resolve!: (value: T) => void;
      const promise = new Promise<T>((r) => {
        resolve = r;
      });
      gate = { promise, resolve };
      this.#gates.set(key, gate);
    }
    return gate;
  }
}
