import { randomUUID, webcrypto } from 'node:crypto';
import type { IdSource, Random } from '@coordinator/core';

const buffer = new Uint32Array(1024);
let next = buffer.length;

/** Crypto randomness as the `Random` port (retry jitter), drawn 1,024 words at a time. */
export const cryptoRandom: Random = Object.freeze({
  next(): number {
    if (next === buffer.length) {
      webcrypto.getRandomValues(buffer);
      next = 0;
    }
    return (buffer[next++] as number) / 4294967296;
  },
});

/** Random UUIDs for Commands submitted without an id. */
export const uuidIds: IdSource = Object.freeze({ next: () => randomUUID() });
