/**
 * Reads a cluster's whole events topic back, the way replay judges it: a record is live when its
 * epoch is at least the offset of the latest CLAIM before it in its partition, and stale (a fenced
 * writer's late append, which replay skips) when older.
 */
import { randomUUID } from 'node:crypto';
import { decodeEnvelope } from '@coordinator/node/kafka';
import { Kafka, logLevel } from 'kafkajs';

interface TopicMessage {
  readonly partition: number;
  readonly offset: number;
  /** The producer's timestamp (ms). */
  readonly timestamp: number;
  /** Set for a CLAIM: the claiming node. */
  readonly claimedBy?: string;
  /** Set for a record: the epoch it is stamped with, its kind and Command id. */
  readonly epoch?: number;
  readonly kind?: string;
  readonly id?: string;
  /** For a record: the node whose CLAIM its epoch is. */
  readonly writer?: string;
  /** For a record: the latest CLAIM before it in its partition. */
  readonly latestClaim?: number;
  /** For a record: stamped with an epoch older than `latestClaim`. */
  readonly stale?: boolean;
}

export interface TopicContents {
  /** Every message, by partition, then offset. */
  readonly messages: readonly TopicMessage[];
  readonly claims: readonly TopicMessage[];
  /** Live `accepted` records per Command id. */
  readonly accepted: ReadonlyMap<string, number>;
  /** Live `done` records per Command id. */
  readonly done: ReadonlyMap<string, number>;
  /** Records of an epoch older than their partition's latest CLAIM. */
  readonly stale: readonly TopicMessage[];
}

/** Reads the whole topic with a throwaway group; fails if it cannot within `timeoutMs`. */
export async function readTopic(
  brokers: string,
  topic: string,
  timeoutMs = 60_000,
): Promise<TopicContents> {
  const client = new Kafka({ brokers: [brokers], logLevel: logLevel.NOTHING });
  const admin = client.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(ends.map((e) => [e.partition, Number(e.high)]));
  const raw: { partition: number; offset: number; timestamp: number; value: Buffer | null }[] = [];
  const consumer = client.consumer({ groupId: `verify-${randomUUID()}` });
  let finished: () => void = () => {};
  const all = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const check = () => {
    if ([...remaining.values()].every((high) => high <= 0)) finished();
  };
  check();
  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const offset = Number(message.offset);
        raw.push({ partition, offset, timestamp: Number(message.timestamp), value: message.value });
        if (offset + 1 >= (remaining.get(partition) ?? 0)) remaining.set(partition, 0);
        check();
      },
    });
    await Promise.race([
      all,
      new Promise((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(
                `Could not read ${topic} within ${timeoutMs} ms; offsets still to reach: ${JSON.stringify([...remaining])}`,
              ),
            ),
          timeoutMs,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  return judge(topic, raw);
}

function judge(
  topic: string,
  raw: readonly { partition: number; offset: number; timestamp: number; value: Buffer | null }[],
): TopicContents {
  const sorted = [...raw].sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  const messages: TopicMessage[] = [];
  const claims: TopicMessage[] = [];
  const stale: TopicMessage[] = [];
  const accepted = new Map<string, number>();
  const done = new Map<string, number>();
  const claimants = new Map<string, string>();
  let partition = -1;
  let latestClaim = 0;
  for (const { partition: p, offset, timestamp, value } of sorted) {
    if (p !== partition) {
      partition = p;
      latestClaim = 0;
    }
    const envelope = decodeEnvelope(value, `${topic}/${p}@${offset}`);
    if (envelope.kind === 'claim') {
      latestClaim = offset;
      claimants.set(`${p}@${offset}`, envelope.node);
      const claim = { partition: p, offset, timestamp, claimedBy: envelope.node };
      messages.push(claim);
      claims.push(claim);
      continue;
    }
    const record = envelope.record as { kind: string; id: string };
    const message: TopicMessage = {
      partition: p,
      offset,
      timestamp,
      epoch: envelope.epoch,
      kind: record.kind,
      id: record.id,
      writer: claimants.get(`${p}@${envelope.epoch}`) ?? '?',
      latestClaim,
      stale: envelope.epoch < latestClaim,
    };
    messages.push(message);
    if (message.stale) {
      stale.push(message);
      continue;
    }
    const counts =
      record.kind === 'done' ? done : record.kind === 'accepted' ? accepted : undefined;
    counts?.set(record.id, (counts.get(record.id) ?? 0) + 1);
  }
  return { messages, claims, accepted, done, stale };
}

/** Live done records per Command id, read from the whole topic. */
export async function doneRecords(brokers: string, topic: string): Promise<Map<string, number>> {
  return new Map((await readTopic(brokers, topic)).done);
}
