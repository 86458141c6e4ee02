import type { EventLog, OutcomeReader } from '@coordinator/core';
import type { Logger } from 'pino';
import type { NodeOptions } from './config/node-options.js';

/** The log a node runs on, and whether other nodes share it (a cluster). */
export interface OpenedLog {
  readonly log: EventLog;
  /**
   * Other nodes write to the same log: this node owns only some partitions, so it forwards the
   * others' Commands to its peers and serves its own to them.
   */
  readonly shared: boolean;
  /** The Outcomes kept for replay; none when no service keeps any. */
  readonly outcomes?: OutcomeReader | undefined;
}

/**
 * Opens the log the options name: Kafka when `kafkaBrokers` is set, else the file log in
 * `dataDir`. Each adapter is loaded only when used, so a file-log node never loads kafkajs.
 */
export async function openEventLog(o: NodeOptions, logger: Logger): Promise<OpenedLog> {
  if (o.kafkaBrokers.length > 0) {
    const { KafkaLog } = await import('./kafka-log/kafka-log.js');
    const log = await KafkaLog.open({
      brokers: o.kafkaBrokers,
      topic: o.kafkaTopic,
      groupId: o.kafkaGroupId,
      partitions: o.partitions,
      nodeId: o.nodeId,
      onEvent: (event) => logger.info(event, event.type),
    });
    return { log, shared: true };
  }
  const { FileLog } = await import('./file-log/file-log.js');
  const log = await FileLog.open({
    dir: o.dataDir,
    sync: o.sync,
    segmentBytes: o.segmentBytes,
    retainSegments: o.retainSegments,
    archiveSegmentBytes: o.archiveSegmentBytes,
    outcomeRetention: o.outcomeRetention,
    outcomeRetentionByService: o.outcomeRetentionByService,
    onEvent: (event) =>
      event.type === 'file-log.failed' ||
      event.type === 'file-log.tail-truncated' ||
      event.type === 'file-log.archive-failed'
        ? logger.warn(event, event.type)
        : logger.info(event, event.type),
  });
  return { log, shared: false, outcomes: log.outcomes };
}
