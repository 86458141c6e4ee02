import type { CommandType, OptionsInput } from '@coordinator/core';
import type { OutcomeReplayHook } from '../replay/replay-target.js';
import type { nodeOptions } from './node-options.js';

/** What a config module's default export holds. */
export interface NodeConfig<Rcv = unknown> {
  /** The Command types this node runs. */
  readonly commands: readonly CommandType<Rcv>[];
  /** Builds the Receiver (service gateway) the Command bodies call services through. */
  readonly receiver: () => Rcv | Promise<Rcv>;
  /** Options; `COORDINATOR_*` variables and CLI flags override them. */
  readonly options?: OptionsInput<typeof nodeOptions>;
  /** Closes what `receiver` opened, on shutdown. */
  readonly close?: (receiver: Rcv) => void | Promise<void>;
  /**
   * Where `coordinator replay --config` (without `--to`) sends each Outcome of a service: for a
   * target that is not an HTTP endpoint. Return `'skipped'` when it had the Outcome already; throw
   * a retryable `CoordinatorError` (`DELAYED`, ...) to be tried again, any other error to stop.
   */
  readonly outcomeReplay?: OutcomeReplayHook<Rcv>;
}

/**
 * Declares a node: the default export of a config module that `coordinator start --config`
 * loads (`.js`, `.mjs` or `.ts`, anywhere on disk).
 *
 * @example
 * export default defineConfig({
 *   commands: [orderSaga],
 *   receiver: () => ({ inventory: httpService('http://127.0.0.1:7501') }),
 *   options: { maxCmds: 5000, slowRetryIntervalMs: 2000 },
 * });
 */
export function defineConfig<Rcv>(config: NodeConfig<Rcv>): NodeConfig<Rcv> {
  return config;
}
