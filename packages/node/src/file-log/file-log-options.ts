import { defineOptions, type OptionsInput, type OptionsOf, option } from '@coordinator/core';
import type { FileLogEvent } from './file-log-event.js';

/** Options of {@link FileLog.open}; only `dir` is required. A node takes `dir` and `sync`. */
export const fileLogOptions = defineOptions('FileLog', {
  dir: option.string({
    required: true,
    description: 'the data directory; created when missing; one process at a time may open it',
  }),
  segmentBytes: option.integer({
    min: 64,
    default: 64 * 1024 * 1024,
    description:
      'a segment is sealed once the next write would take it past this size (a single larger write still goes whole into one segment)',
  }),
  sync: option.oneOf({
    values: ['data', 'none'],
    default: 'data',
    flag: 'sync',
    description:
      'data: an append resolves after fdatasync of its bytes; none skips every sync: UNSAFE, acknowledged records may be lost on a crash',
  }),
  retainSegments: option.oneOf({
    values: ['all', 'from-checkpoint'],
    default: 'all',
    description:
      "all keeps every segment; from-checkpoint deletes the segments wholly below a partition's committed checkpoint (and below what the outcome archive has taken)",
  }),
  outcomeRetention: option.retention({
    default: { kind: 'forever' },
    description:
      'how long Outcomes are kept for replay in the outcome archive, per service: forever, none, an age (30d) or a size (10GiB); independent of checkpoints',
  }),
  outcomeRetentionByService: option.retentionMap({
    default: {},
    description: 'per-service overrides of outcomeRetention: payments=90d,audit=forever',
  }),
  archiveSegmentBytes: option.integer({
    min: 64,
    default: 4 * 1024 * 1024,
    description:
      'an outcome archive segment is sealed past this size; retention drops whole sealed segments',
  }),
  verifyOnOpen: option.oneOf({
    values: ['tail', 'all'],
    default: 'tail',
    description:
      "tail scans each partition's last segment on open (sealed ones are checked as they are read); all scans every segment",
  }),
  onEvent: option.fn<(event: FileLogEvent) => void>({
    default: () => {},
    description: "receives the log's events; must not throw",
  }),
});

export type FileLogOptions = OptionsOf<typeof fileLogOptions>;
export type FileLogInput = OptionsInput<typeof fileLogOptions>;
