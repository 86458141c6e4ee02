/**
 * The Kafka adapter against the EventLog port's conformance suite (the same checks the memory and
 * file logs pass), on a real broker: one node per check, its own topic and group.
 */
import { eventLogConformance } from '@coordinator/core/testing';
import { KafkaLog } from '@coordinator/node/kafka';
import { claimAsOutsider } from '@coordinator/node/testing';
import { describe, it } from 'vitest';
import { fastGroup, kafkaLogFixture, uniqueName } from './support/kafka-log-harness.js';

const kafka = kafkaLogFixture();

describe('KafkaLog conformance', () => {
  const checks = eventLogConformance(
    async () => {
      const input = {
        ...fastGroup,
        brokers: [kafka.brokers],
        topic: uniqueName('conformance'),
        groupId: uniqueName('conformance-group'),
        partitions: 4,
      };
      const open = () => KafkaLog.open({ ...input, nodeId: uniqueName('node') });
      return {
        log: await open(),
        partitions: input.partitions,
        takeOver: async (partition) => {
          await claimAsOutsider(kafka.brokers, input.topic, partition);
        },
        reopen: open,
      };
    },
    { supports: ['takeOver', 'reopen'] },
  );
  for (const check of checks) it(check.name, check.run, 60_000);
});
