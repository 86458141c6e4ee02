import type { Admin, ITopicConfig } from 'kafkajs';
import { waitFor } from './wait-for.js';

/**
 * `admin.createTopics` with `waitForLeaders`, made reliable on KRaft: the controller answers
 * CreateTopics once the records are committed, but the broker's metadata cache applies them a
 * moment later, and kafkajs 2.2.4's `waitForLeaders` retries only LEADER_NOT_AVAILABLE, so an
 * UNKNOWN_TOPIC_OR_PARTITION in that window fails the call although the topic was created
 * (about 1 in 100 on a busy 2-core machine). Then this polls the metadata until every
 * partition has a leader, failing after `timeoutMs`.
 */
export async function createTopicsAndWait(
  admin: Admin,
  topics: ITopicConfig[],
  timeoutMs = 20_000,
): Promise<void> {
  try {
    const created = await admin.createTopics({ topics, waitForLeaders: true, timeout: timeoutMs });
    if (!created) throw new Error(`topics already exist: ${topics.map((t) => t.topic).join(', ')}`);
    return;
  } catch (error) {
    if (errorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
  }
  const names = topics.map((t) => t.topic);
  let last: unknown;
  await waitFor(
    () => `topics ${names.join(', ')} to have leaders; last error: ${String(last)}`,
    async () => {
      try {
        const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
        const led = found.every(
          (t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0),
        );
        return found.length === names.length && led;
      } catch (error) {
        const type = errorType(error);
        if (type !== 'UNKNOWN_TOPIC_OR_PARTITION' && type !== 'LEADER_NOT_AVAILABLE') throw error;
        last = error;
        return false;
      }
    },
    timeoutMs,
    50,
  );
}

/** kafkajs puts the broker's error type on the error itself or, after retries, on a cause. */
export function errorType(error: unknown): string | undefined {
  for (let e = error; e instanceof Error; e = e.cause) {
    if ('type' in e && typeof e.type === 'string') return e.type;
  }
  return undefined;
}
