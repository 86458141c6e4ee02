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
  /** Stops what keeps the Outcomes besides the log (a cluster node's follower). */
  readonly closeOutcomes?: () => Promise<void>;
}

/**
 * Opens the log the options name: Kafka when `kafkaBrokers` is set (with the follower that keeps
 * its Outcomes in `dataDir`), else the file log in `dataDir`. Each adapter is loaded only when
 * used, so a file-log node never loads kafkajs.
 */
export async function openEventLog(o: NodeOptions, logger: Logger): Promise<OpenedLog> {
  if (o.kafkaBrokers.length > 0) {
    const cluster = {
      brokers: o.kafkaBrokers,
      topic: o.kafkaTopic,
      groupId: o.kafkaGroupId,
      nodeId: o.nodeId,
      onEvent: (event: { type: string }) => logger.info(event, event.type),
    };
    const { KafkaLog } = await import('./kafka-log/kafka-log.js');
    const log = await KafkaLog.open({ ...cluster, partitions: o.partitions });
    const { OutcomeFollower } = await import('./kafka-log/outcome-follower.js');
    const follower = await OutcomeFollower.start({
      ...cluster,
      dataDir: o.dataDir,
      sync: o.sync,
      segmentBytes: o.archiveSegmentBytes,
      outcomeRetention: o.outcomeRetention,
      outcomeRetentionByService: o.outcomeRetentionByService,
    }).catch(async (error: unknown) => {
      await log.close();
      throw error;
    });
    return {
      log,
      shared: true,
      outcomes: follower,
      ...(follower ? { closeOutcomes: () => follower.close() } : {}),
    };
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
