import { randomBytes } from 'node:crypto';
import { CoordinatorError, type LogRecord } from '@coordinator/core';
import type { KafkaLogEvent, KafkaLogInput } from '@coordinator/node/kafka';
import { KafkaLog } from '@coordinator/node/kafka';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { type KafkaUnderTest, useKafka } from './kafka-brokers.js';
import { waitFor } from './wait-for.js';

/** A name no other test (or earlier run against the same broker) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

/** Short group timings so that rebalances in tests take about a second. */
export const fastGroup = {
  sessionTimeoutMs: 6000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 8000,
} as const;

/** A KafkaLog under test with what its listener and events saw. */
export interface LogUnderTest {
  readonly log: KafkaLog;
  readonly name: string;
  readonly events: KafkaLogEvent[];
  /** Partitions `assigned` and not `revoked` since. */
  readonly assigned: Set<number>;
  /** Every listener call in order, e.g. `assigned 3`, `revoked 3`. */
  readonly calls: string[];
  /** Calls the real `own` with a recording listener. */
  start(onAssigned?: (partition: number) => Promise<void> | void): Promise<void>;
  /** Waits (with a deadline) until this node owns exactly `count` partitions. */
  owning(count: number, timeoutMs?: number): Promise<number[]>;
}

/** Opens a KafkaLog with a recording listener. */
export async function openLog(name: string, input: KafkaLogInput): Promise<LogUnderTest> {
  const events: KafkaLogEvent[] = [];
  const log = await KafkaLog.open({
    ...fastGroup,
    nodeId: name,
    ...input,
    onEvent: (event) => events.push(event),
  });
  const assigned = new Set<number>();
  const calls: string[] = [];
  return {
    log,
    name,
    events,
    assigned,
    calls,
    start: (onAssigned) =>
      log.own(log.options.partitions, {
        assigned: async (partition) => {
          calls.push(`assigned ${partition}`);
          await onAssigned?.(partition);
          assigned.add(partition);
        },
        revoked: (partition) => {
          calls.push(`revoked ${partition}`);
          assigned.delete(partition);
        },
      }),
    owning: (count, timeoutMs = 30_000) =>
      waitFor(
        `${name} to own ${count} partitions (owns ${[...assigned].join(',')})`,
        () => assigned.size === count && [...assigned].sort((a, b) => a - b),
        timeoutMs,
      ),
  };
}

export { readAll } from '@coordinator/core/testing';

/** An accepted record of Command `id`, with a payload worth round-tripping. */
export function acceptedRecord(id: string, n = 0): LogRecord {
  return {
    v: 1,
    kind: 'accepted',
    id,
    at: 1_700_000_000_000 + n,
    type: 'order',
    payload: { n, sku: `A${n}`, qty: n % 7, tags: ['x', 'y'], nested: { ok: true, none: null } },
  };
}

/** The error a promise rejects with; fails the test if it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<CoordinatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CoordinatorError) return error;
    throw error;
  }
  throw new Error('expected a CoordinatorError rejection');
}

/** The value at `q` (0..1) of the sorted samples. */
export function quantile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/**
 * A test file's broker and the logs it opens: registers the hooks that get the broker before the
 * file, close every opened log after each test, and release the broker after the file.
 */
export function kafkaLogFixture(): { readonly brokers: string; readonly opened: LogUnderTest[] } {
  let kafka: KafkaUnderTest | undefined;
  const opened: LogUnderTest[] = [];
  beforeAll(async () => {
    kafka = await useKafka();
  });
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((o) => o.log.close()));
  });
  afterAll(async () => {
    await kafka?.release();
  });
  return {
    get brokers() {
      if (!kafka) throw new Error('The Kafka broker is not ready (use it inside a test)');
      return kafka.brokers;
    },
    opened,
  };
}
