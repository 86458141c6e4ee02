import { CoordinatorError } from './errors.js';

/** The driver's options. Every field is optional on input; {@link resolveOptions} fills defaults. */
export interface CoordinatorOptions {
  /**
   * Most unfinished Commands this node holds; over it new Commands get `OVERLOADED`.
   * @default 10000
   */
  readonly maxCmds: number;
  /**
   * Retry interval for delayed Commands, for blocked ones until the first retry succeeds, and
   * before resuming recovered Commands.
   * @default 5000
   */
  readonly slowRetryIntervalMs: number;
  /**
   * Retry interval for waiting Commands once a retry succeeded while the node is suspended.
   * @default 0
   */
  readonly fastRetryIntervalMs: number;
  /**
   * Each retry delay is the interval ± up to this many milliseconds (never below 0).
   * @default 500
   */
  readonly jitterMs: number;
  /**
   * Number of partitions Commands are spread over. Fixed for the life of a log.
   * @default 16
   */
  readonly partitions: number;
  /**
   * When the checkpoint trails the head of a partition by more than this many records, the
   * Commands pinning it are carried forward in snapshot records, bounding recovery.
   * @default 10000
   */
  readonly snapshotAfterRecords: number;
  /**
   * How often an advanced checkpoint is committed to the log.
   * @default 1000
   */
  readonly checkpointIntervalMs: number;
  /**
   * How many finished Commands stay known, in memory and across restarts, for lookups and
   * idempotent resubmits. They pin the checkpoint, so recovery replays them too.
   * @default 10000
   */
  readonly doneRetention: number;
}

export const defaultOptions: Readonly<CoordinatorOptions> = Object.freeze({
  maxCmds: 10_000,
  slowRetryIntervalMs: 5_000,
  fastRetryIntervalMs: 0,
  jitterMs: 500,
  partitions: 16,
  snapshotAfterRecords: 10_000,
  checkpointIntervalMs: 1_000,
  doneRetention: 10_000,
});

const minimums: { readonly [K in keyof CoordinatorOptions]: number } = {
  maxCmds: 1,
  slowRetryIntervalMs: 0,
  fastRetryIntervalMs: 0,
  jitterMs: 0,
  partitions: 1,
  snapshotAfterRecords: 1,
  checkpointIntervalMs: 1,
  doneRetention: 0,
};

function describe(value: unknown): string {
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/**
 * Fills defaults and validates every option once.
 * @throws CoordinatorError `INVALID_OPTION` naming the option, the expectation and the value.
 */
export function resolveOptions(input: Partial<CoordinatorOptions> = {}): CoordinatorOptions {
  const resolved: Record<string, number> = { ...defaultOptions };
  for (const [name, value] of Object.entries(input)) {
    if (!(name in minimums)) {
      const known = Object.keys(minimums).join(', ');
      throw new CoordinatorError('INVALID_OPTION', `Unknown option \`${name}\`; known: ${known}`);
    }
    if (value === undefined) continue;
    const min = minimums[name as keyof CoordinatorOptions];
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected \`${name}\` to be an integer from ${min} and up, got ${describe(value)}`,
      );
    }
    resolved[name] = value;
  }
  return Object.freeze(resolved) as unknown as CoordinatorOptions;
}
