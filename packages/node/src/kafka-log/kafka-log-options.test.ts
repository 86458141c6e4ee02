import { CoordinatorError } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { kafkaLogDefaults, resolveKafkaLogOptions } from './kafka-log-options.js';

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

describe('resolveKafkaLogOptions', () => {
  it('fills the frozen defaults', () => {
    const options = resolveKafkaLogOptions({ brokers, nodeId: 'n1' });
    expect(options).toMatchObject({ ...kafkaLogDefaults, onEvent: expect.any(Function) });
    expect(options.nodeId).toBe('n1');
    expect(Object.isFrozen(options)).toBe(true);
    expect(Object.isFrozen(kafkaLogDefaults)).toBe(true);
    expect(resolveKafkaLogOptions({ brokers }).nodeId).toMatch(/-\d+$/);
  });

  it.each([
    [
      { brokers: [] },
      'Expected `brokers` to be a non-empty array of `host:port` strings, got `[]` (object)',
    ],
    [{ brokers: ['localhost'] }, 'Expected `brokers` to be'],
    [{ brokers, topic: 'a b' }, 'Expected `topic` to be a Kafka topic name'],
    [
      { brokers, partitions: 0 },
      'Expected `partitions` to be an integer from 1 to 10000, got `0` (number)',
    ],
    [
      { brokers, lingerMs: -1 },
      'Expected `lingerMs` to be an integer from 0 to 1000, got `-1` (number)',
    ],
    [{ brokers, groupId: '' }, 'Expected `groupId` to be a non-empty string'],
    [
      { brokers, sessionTimeoutMs: 1000, heartbeatIntervalMs: 1000 },
      'Expected `heartbeatIntervalMs` to be below `sessionTimeoutMs` (1000), got `1000` (number)',
    ],
    [{ brokers, trimBelowCheckpoint: 'yes' }, 'Expected `trimBelowCheckpoint` to be a boolean'],
    [{ brokers, partition: 3 }, 'Unknown option `partition`'],
  ])('rejects %j', (input, message) => {
    const error = failure(() => resolveKafkaLogOptions(input as never));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(message);
  });
});
