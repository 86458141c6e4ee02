import { setTimeout as sleep } from 'node:timers/promises';
import { CoordinatorError } from '@coordinator/core';
import type { Admin } from 'kafkajs';
import { kafkaErrorType } from './kafka-error-type.js';

const leaderTimeoutMs = 30_000;

export interface TopicSpec {
  readonly topic: string;
  readonly partitions: number;
  readonly replicationFactor: number;
}

/**
 * Creates the events topic when it is missing (waiting for its partition leaders) and checks an
 * existing one has the partition count asked for. Resolves true when this call created it.
 *
 * On KRaft the controller answers CreateTopics before the broker's metadata cache has the topic,
 * and kafkajs 2.2.4's `waitForLeaders` retries only LEADER_NOT_AVAILABLE: an
 * UNKNOWN_TOPIC_OR_PARTITION in that window means "created, not visible yet", so the metadata is
 * polled until every partition has a leader.
 * @throws CoordinatorError `INVALID_OPTION` when the topic exists with another partition count.
 */
export async function ensureTopic(admin: Admin, spec: TopicSpec): Promise<boolean> {
  const { topic, partitions, replicationFactor } = spec;
  let created: boolean;
  try {
    created = await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor }],
      waitForLeaders: true,
    });
  } catch (error) {
    if (kafkaErrorType(error) !== 'UNKNOWN_TOPIC_OR_PARTITION') throw error;
    created = true;
    await waitForLeaders(admin, topic);
  }
  const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
  const actual = metadata.topics.find((t) => t.name === topic)?.partitions.length ?? 0;
  if (actual !== partitions) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Expected \`partitions\` to match topic ${topic}, which has ${actual} partitions, got \`${partitions}\` (number); a topic's partition count is fixed when it is created: set \`partitions\` to ${actual} or use another topic`,
    );
  }
  return created;
}

async function waitForLeaders(admin: Admin, topic: string): Promise<void> {
  const deadline = Date.now() + leaderTimeoutMs;
  for (;;) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics[0]?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) {
      throw new CoordinatorError(
        'NOT_READY',
        `Topic ${topic} was created but its partitions have no leader after ${leaderTimeoutMs} ms`,
      );
    }
    await sleep(100);
  }
}
