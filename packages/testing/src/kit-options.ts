import { type CoordinatorOptions, driverOptions } from '@coordinator/core';

/**
 * The Driver options a simulated node runs with unless told otherwise: one partition, and short
 * intervals so that fast retries differ from slow ones.
 */
export const kitOptions: Partial<CoordinatorOptions> = Object.freeze({
  partitions: 1,
  slowRetryIntervalMs: 1000,
  fastRetryIntervalMs: 50,
  jitterMs: 100,
});

const resolved = new WeakMap<object, CoordinatorOptions>();
const defaults = driverOptions.resolve(kitOptions);

/** The options a node runs with, resolved once per options object (runs of one check share it). */
export function resolvedOptions(
  options: Partial<CoordinatorOptions> | undefined,
): CoordinatorOptions {
  if (options === undefined) return defaults;
  let known = resolved.get(options);
  if (!known) {
    known = driverOptions.resolve({ ...kitOptions, ...options });
    resolved.set(options, known);
  }
  return known;
}
