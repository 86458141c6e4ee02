/** Randomness, injected: crypto in a node, seeded in tests. */
export interface Random {
  /** A number in [0, 1). */
  next(): number;
}

/** Command ids for Commands submitted without one. */
export interface IdSource {
  next(): string;
}
