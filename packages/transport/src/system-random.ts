import type { Random } from '@coordinator/core';

/** `Math.random`, as the `Random` port; backoff jitter needs no cryptographic strength. */
export const systemRandom: Random = Object.freeze({ next: () => Math.random() });
