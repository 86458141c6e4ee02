import { CoordinatorError } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { kafkaLogOptions } from './kafka-log-options.js';

function failure(run: () => unknown): CoordinatorError {
  try {
    run();
  } catch (error) {
    if (error instanceof CoordinatorError) return error;
    throw error;
  }
  throw new Error('expected a CoordinatorError');
}

const brokers = ['127.0.0.1:9092'];

describe('kafkaLogOptions', () => {
  it('fills the frozen defaults', () => {
    const options = kafkaLogOptions.resolve({ brokers, nodeId: 'n1' });
    expect(options).toMatchObject({ ...kafkaLogOptions.defaults, nodeId: 'n1', brokers });
    expect(options.nodeId).toBe('n1');
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(kafkaLogOptions.defaults)).toBe(true);
    expect(kafkaLogOptions.resolve({ brokers }).nodeId).toMatch(/-\d+$/);
  });

  it.each([
    [
      { brokers: [] },
      'Expected KafkaLog option `brokers` to be a non-empty comma-separated list of `host:port` addresses, got `[]` (object)',
    ],
    [{ brokers: ['localhost'] }, 'Expected KafkaLog option `brokers` to be'],
    [{ brokers, topic: 'a b' }, 'Expected KafkaLog option `topic` to be a Kafka topic name'],
    [
      { brokers, partitions: 0 },
      'Expected KafkaLog option `partitions` to be an integer from 1 to 10000, got `0` (number)',
    ],
    [
      { brokers, fetchMaxWaitMs: 5 },
      'Expected KafkaLog option `fetchMaxWaitMs` to be an integer from 10 to 60000, got `5` (number)',
    ],
    [{ brokers, groupId: '' }, 'Expected KafkaLog option `groupId` to be a non-empty string'],
    [
      { brokers, sessionTimeoutMs: 1000, heartbeatIntervalMs: 1000 },
      'Expected KafkaLog option `heartbeatIntervalMs` to be below `sessionTimeoutMs` (1000), got `1000` (number)',
    ],
    [
      { brokers, trimBelowCheckpoint: 'yes' },
      'Expected KafkaLog option `trimBelowCheckpoint` to be true or false',
    ],
    [{ brokers, partition: 3 }, 'Unknown KafkaLog option `partition`'],
  ])('rejects %j', (input, message) => {
    const error = failure(() => kafkaLogOptions.resolve(input as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(message);
  });
});
