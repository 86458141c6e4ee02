import { randomInt } from 'node:crypto';
import { SeededRandom } from '@coordinator/core/testing';

function seedFromEnvironment(): number {
  const given = process.env.TEST_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  const seed = Number(given);
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 32) {
    throw new Error(
      `Expected \`TEST_SEED\` to be an integer from 0 to 4294967295, got \`${given}\` (string)`,
    );
  }
  return seed;
}

/**
 * The seed of a test file's random choices, such as the moments a crash test kills a process:
 * `TEST_SEED` when set, else drawn for this run. A test that uses it shows it in its name, so a
 * failing run is replayed with `TEST_SEED=<seed>`.
 */
export const testSeed: number = seedFromEnvironment();

/** Random choices from `seed` (mulberry32): the same seed makes the same choices. */
export function seededRandom(seed: number = testSeed): SeededRandom {
  return new SeededRandom(seed);
}
