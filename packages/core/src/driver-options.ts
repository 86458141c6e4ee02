import { option } from './options/option-kinds.js';
import { defineOptions, type OptionsOf } from './options/option-set.js';

/** The Driver's options; a node takes them too, the ones with a flag also from `coordinator start`. */
export const driverOptions = defineOptions('Driver', {
  maxCmds: option.integer({
    min: 1,
    default: 10_000,
    flag: 'max-cmds',
    description: 'most unfinished Commands; over it new ones get OVERLOADED',
  }),
  slowRetryIntervalMs: option.integer({
    min: 0,
    default: 5_000,
    flag: 'slow-retry-interval',
    description:
      'retry interval of delayed Commands, of blocked ones until a retry succeeds, and before resuming recovered ones',
  }),
  fastRetryIntervalMs: option.integer({
    min: 0,
    default: 0,
    flag: 'fast-retry-interval',
    description: 'retry interval of waiting Commands once a retry succeeded while suspended',
  }),
  jitterMs: option.integer({
    min: 0,
    default: 500,
    flag: 'jitter',
    description: 'each retry interval ± up to this much (never below 0)',
  }),
  partitions: option.integer({
    min: 1,
    default: 16,
    flag: 'partitions',
    description: 'partitions Commands are spread over; fixed for the life of a log',
  }),
  snapshotAfterRecords: option.integer({
    min: 1,
    default: 10_000,
    description:
      'records a checkpoint may trail its partition head before the Commands pinning it are carried forward in snapshots (bounds recovery)',
  }),
  checkpointIntervalMs: option.integer({
    min: 1,
    default: 1_000,
    description: 'how often an advanced checkpoint is committed to the log',
  }),
  doneRetention: option.integer({
    min: 0,
    default: 10_000,
    description:
      'finished Commands kept known, in memory and across restarts, for lookups and idempotent resubmits (they pin the checkpoint)',
  }),
});

export type CoordinatorOptions = OptionsOf<typeof driverOptions>;
