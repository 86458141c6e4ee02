import { expect } from 'vitest';
import { CheckFailure } from '../src/index.js';

/** The CheckFailure a check fails with (the test fails if it passes or throws anything else). */
export async function caught(check: Promise<unknown>): Promise<CheckFailure> {
  const error = await check.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CheckFailure);
  return error as CheckFailure;
}
