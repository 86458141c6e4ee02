import { mkdir, realpath } from 'node:fs/promises';
import { join } from 'node:path';
import type {
  LogRecord,
  OutcomePage,
  OutcomeQuery,
  OutcomeReader,
  OutcomeRetention,
} from '@coordinator/core';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import { DirectoryLock } from '../file-log/directory-lock.js';
import type { FileLogEvent } from '../file-log/file-log-event.js';
import { type OutcomeArchive, openOutcomeArchive } from '../file-log/outcome-archive.js';
import { clientLogger } from './client-logger.js';
import type { KafkaLogEvent } from './kafka-log-event.js';
import { decodeEnvelope } from './log-envelope.js';

export interface OutcomeFollowerConfig {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly nodeId: string;
  /**
   * The node's data directory: the archive goes to `<dataDir>/node-<nodeId>/outcomes`, under that
   * directory's lock (so nodes sharing a data directory need distinct ids).
   */
  readonly dataDir: string;
  readonly sync: 'data' | 'none';
  readonly segmentBytes: number;
  readonly outcomeRetention: OutcomeRetention;
  readonly outcomeRetentionByService: Readonly<Record<string, OutcomeRetention>>;
  readonly onEvent: (event: FileLogEvent | KafkaLogEvent) => void;
  /** How long a read waits for the archive to catch up with the topic's end. @default 10000 */
  readonly catchUpMs?: number;
}

/**
 * A cluster node's Outcomes for replay: every node follows the whole events topic (which keeps
 * every record: `retention.ms=-1`) in a consumer group of its own, `<groupId>.outcomes.<nodeId>`,
 * and keeps the Outcome records of every partition in a local outcome archive (the file log's,
 * with the same retentions, compaction by idempotency key and manifest), in
 * `<dataDir>/node-<nodeId>/outcomes`. So any node answers for
 * every service, whichever node owns the partitions, and a node that was down catches up from
 * where its archive's manifest stopped. A read first waits until the archive has taken in the
 * topic as it stood when the read came (up to `catchUpMs`), so an Outcome acknowledged before a
 * read is in its answer.
 */
export class OutcomeFollower implements OutcomeReader {
  readonly #config: OutcomeFollowerConfig;
  readonly #archive: OutcomeArchive;
  readonly #lock: DirectoryLock;
  readonly #admin: Admin;
  readonly #consumer: Consumer;
  /** Per partition: the offset after the last message taken in. */
  readonly #taken = new Map<number, number>();
  #waiters: (() => void)[] = [];

  private constructor(
    config: OutcomeFollowerConfig,
    archive: OutcomeArchive,
    lock: DirectoryLock,
    kafka: Kafka,
  ) {
    this.#config = config;
    this.#archive = archive;
    this.#lock = lock;
    this.#admin = kafka.admin();
    this.#consumer = kafka.consumer({
      groupId: `${config.groupId}.outcomes.${config.nodeId}`,
      allowAutoTopicCreation: false,
      maxWaitTimeInMs: 100,
    });
  }

  /** Opens the local archive and starts following the topic; undefined when no service keeps Outcomes. */
  static async start(config: OutcomeFollowerConfig): Promise<OutcomeFollower | undefined> {
    const kept = [config.outcomeRetention, ...Object.values(config.outcomeRetentionByService)];
    if (kept.every((retention) => retention.kind === 'none')) return undefined;
    const own = join(config.dataDir, `node-${config.nodeId}`);
    await mkdir(own, { recursive: true });
    const root = await realpath(own);
    const lock = await DirectoryLock.acquire(root, config.onEvent);
    let archive: OutcomeArchive | undefined;
    try {
      archive = await openOutcomeArchive({ ...config, dir: join(root, 'outcomes') });
      if (!archive) throw new Error('unreachable: some service keeps Outcomes');
      const kafka = new Kafka({
        clientId: `${config.nodeId}-outcomes`,
        brokers: [...config.brokers],
        logLevel: logLevel.WARN,
        logCreator: clientLogger(config.onEvent),
      });
      const follower = new OutcomeFollower(config, archive, lock, kafka);
      await follower.#follow();
      return follower;
    } catch (error) {
      await archive?.close();
      await lock.release();
      throw error;
    }
  }

  async #follow(): Promise<void> {
    const { topic } = this.#config;
    await this.#admin.connect();
    const offsets = await this.#admin.fetchTopicOffsets(topic);
    // Where the archive's manifest stopped; a fresh group starts at the topic's beginning until
    // the seeks below take effect.
    const from = new Map(offsets.map((o) => [o.partition, this.#archive.keepFrom(o.partition)]));
    for (const [partition, offset] of from) this.#taken.set(partition, offset);
    this.#consumer.on(this.#consumer.events.CRASH, ({ payload }) => {
      // Reported like the log's own consumer; until a restart, reads serve what was taken in.
      const message =
        payload.error instanceof Error ? payload.error.message : String(payload.error);
      this.#config.onEvent({
        type: 'kafka-log.consumer-crashed',
        message,
        restart: payload.restart,
      });
    });
    await this.#consumer.connect();
    await this.#consumer.subscribe({ topics: [topic], fromBeginning: true });
    await this.#consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        // Skips what was taken in already: before the archive's manifest position, and what a
        // consumer restart delivers again (this group commits no offsets).
        const start = this.#taken.get(batch.partition) ?? 0;
        const positions: number[] = [];
        const records: LogRecord[] = [];
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < start) continue;
          positions.push(offset);
          const envelope = decodeEnvelope(message.value, `${topic}/${batch.partition}@${offset}`);
          if (envelope.kind === 'record') records.push(envelope.record as LogRecord);
        }
        this.#archive.logged(batch.partition, positions, records);
        const end = Number(batch.lastOffset()) + 1;
        if (end > (this.#taken.get(batch.partition) ?? 0)) this.#taken.set(batch.partition, end);
        for (const wake of this.#waiters.splice(0)) wake();
        await heartbeat();
      },
    });
    for (const [partition, offset] of from) {
      if (offset > 0) this.#consumer.seek({ topic, partition, offset: String(offset) });
    }
  }

  /** Resolves once every message the topic held when called has been taken in (or after `catchUpMs`). */
  async #caughtUp(): Promise<void> {
    const offsets = await this.#admin.fetchTopicOffsets(this.#config.topic);
    const deadline = Date.now() + (this.#config.catchUpMs ?? 10_000);
    const behind = () => offsets.some((o) => (this.#taken.get(o.partition) ?? 0) < Number(o.high));
    while (behind() && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(0, deadline - Date.now()));
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async read(query: OutcomeQuery): Promise<OutcomePage> {
    await this.#caughtUp();
    return this.#archive.read(query);
  }

  services(): Promise<readonly string[]> {
    return this.#archive.services();
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#consumer.disconnect(), this.#admin.disconnect()]);
    await this.#archive.close();
    await this.#lock.release();
  }
}
