/**
 * The Kafka adapter of the EventLog port against a real broker, for one owner: it behaves like
 * MemoryEventLog (positions ascending in call order, records round-trip exactly, read from a
 * checkpoint, checkpoints survive a restart), and reports misuse with the documented codes.
 */

import type { LogRecord } from '@coordinator/core';
import { MemoryEventLog } from '@coordinator/core/testing';
import { KafkaLog } from '@coordinator/node/kafka';
import { describe, expect, it } from 'vitest';
import { outcomeRecord } from './support/file-log-records.js';
import {
  acceptedRecord,
  kafkaLogFixture,
  openLog,
  quantile,
  readAll,
  rejection,
  uniqueName,
} from './support/kafka-log-harness.js';

const kafka = kafkaLogFixture();
const { opened } = kafka;

async function owner(
  partitions = 4,
  topic = uniqueName('kl-topic'),
  groupId = uniqueName('kl-group'),
) {
  const node = await openLog(uniqueName('node'), {
    brokers: [kafka.brokers],
    topic,
    groupId,
    partitions,
  });
  opened.push(node);
  await node.start();
  await node.owning(partitions);
  return { node, topic, groupId };
}

const sample: LogRecord[] = [
  acceptedRecord('cmd-1', 1),
  { v: 1, kind: 'started', id: 'cmd-1', at: 2 },
  outcomeRecord('cmd-1', { reserved: [1, 2, 3], by: 'inventory', big: 2 ** 40, neg: -1.5 }),
  {
    v: 1,
    kind: 'failed',
    id: 'cmd-1',
    at: 4,
    step: 'pay',
    error: { code: 'STEP_FAILED', message: 'card declined' },
  },
  { v: 1, kind: 'done', id: 'cmd-1', at: 5, result: { ok: false, note: 'ünïcödé ✓' } },
  {
    v: 1,
    kind: 'snapshot',
    id: 'cmd-2',
    at: 6,
    command: {
      type: 'order',
      payload: { sku: 'B' },
      state: 'executing',
      history: 'reserve',
      attempts: 2,
      outcomes: [{ step: 'reserve', service: 'inventory', outcome: { id: 7 } }],
      failures: [],
      events: [{ kind: 'accepted', at: 1 }],
    },
  },
];

describe('KafkaLog as an EventLog, one owner', () => {
  it('round-trips records exactly, in order, like MemoryEventLog', async () => {
    const { node } = await owner();
    const memory = new MemoryEventLog();
    const positions = await node.log.append(2, sample);
    await memory.append(2, sample);
    expect(positions).toHaveLength(sample.length);
    for (let i = 1; i < positions.length; i++) {
      expect(positions[i]).toBe((positions[i - 1] as number) + 1);
    }
    const read = await readAll(node.log, 2, 0);
    expect(read.map((r) => r.record)).toEqual(memory.records(2).map((r) => r.record));
    expect(read.map((r) => r.position)).toEqual(positions);
    // The CLAIM took an offset before the records; it is not yielded.
    expect(positions[0]).toBeGreaterThan(0);
    expect(await readAll(node.log, 1, 0)).toEqual([]);
  });

  it('keeps call order across concurrent appends and batches them into shared sends', async () => {
    const { node } = await owner();
    const calls = 300;
    const appends = Array.from({ length: calls }, (_, i) =>
      node.log.append(
        1,
        Array.from({ length: 1 + (i % 3) }, (_, j) => outcomeRecord(`c${i}-${j}`)),
      ),
    );
    const results = await Promise.all(appends);
    const flat = results.flat();
    for (let i = 1; i < flat.length; i++) expect(flat[i]).toBeGreaterThan(flat[i - 1] as number);
    const read = await readAll(node.log, 1, 0);
    expect(read.map((r) => r.record.id)).toEqual(
      results.flatMap((positions, i) => positions.map((_, j) => `c${i}-${j}`)),
    );
    expect(read.map((r) => r.position)).toEqual(flat);
  });

  it('reads from a committed checkpoint, and a restarted owner replays from it', async () => {
    const { node, topic, groupId } = await owner();
    expect(await node.log.loadCheckpoint(3)).toBe(0);
    const positions = await node.log.append(
      3,
      Array.from({ length: 6 }, (_, i) => outcomeRecord(`k${i}`)),
    );
    const checkpoint = positions[2] as number;
    await node.log.commitCheckpoint(3, checkpoint);
    expect(await node.log.loadCheckpoint(3)).toBe(checkpoint);
    const fromCheckpoint = await readAll(node.log, 3, checkpoint);
    expect(fromCheckpoint.map((r) => r.record.id)).toEqual(['k2', 'k3', 'k4', 'k5']);
    await expect(readAll(node.log, 3, 0)).rejects.toMatchObject({ code: 'INVALID_OPTION' });

    await node.log.close();
    const restarted = await openLog(uniqueName('node'), {
      brokers: [kafka.brokers],
      topic,
      groupId,
      partitions: 4,
    });
    opened.push(restarted);
    const replayed: string[] = [];
    await restarted.start(async (partition) => {
      if (partition !== 3) return;
      const from = await restarted.log.loadCheckpoint(3);
      for (const r of await readAll(restarted.log, 3, from)) replayed.push(r.record.id);
    });
    await restarted.owning(4);
    expect(await restarted.log.loadCheckpoint(3)).toBe(checkpoint);
    expect(replayed).toEqual(['k2', 'k3', 'k4', 'k5']);
    const [next] = await restarted.log.append(3, [outcomeRecord('after')]);
    expect(next).toBeGreaterThan(positions[5] as number);
  });

  it("fails only the partition the broker refused in a shared Produce; the others' land once", async () => {
    const { node } = await owner(2);
    await node.log.append(0, [outcomeRecord('warm-0')]);
    await node.log.append(1, [outcomeRecord('warm-1')]);
    // Made in one turn, both appends share one Produce request; the broker refuses partition 0's
    // batch (past max.message.bytes, 1 MiB) and appends partition 1's.
    const huge = { ...acceptedRecord('huge'), payload: { blob: 'x'.repeat(1_500_000) } };
    const [refused, landed] = await Promise.allSettled([
      node.log.append(0, [huge]),
      node.log.append(1, [outcomeRecord('fine')]),
    ]);
    expect(refused).toMatchObject({ status: 'rejected', reason: { code: 'CLOSED' } });
    expect(landed).toMatchObject({ status: 'fulfilled', value: [2] });
    // Sent again on its own after the shared request failed, partition 1's batch was not written
    // twice: the idempotent producer answered with the offset it had landed at.
    const ids = (await readAll(node.log, 1, 0)).map((r) => r.record.id);
    expect(ids).toEqual(['warm-1', 'fine']);
    expect(await node.log.append(1, [outcomeRecord('after')])).toEqual([3]);
  });

  it('reports misuse with the documented codes', async () => {
    const { node, topic } = await owner(2);
    expect((await rejection(node.log.append(2, [outcomeRecord('x')]))).code).toBe('INVALID_OPTION');
    expect((await rejection(node.log.append(-1, [outcomeRecord('x')]))).code).toBe(
      'INVALID_OPTION',
    );
    await expect(readAll(node.log, 0, -1)).rejects.toMatchObject({ code: 'INVALID_OPTION' });
    await expect(node.log.commitCheckpoint(0, 1.5)).rejects.toMatchObject({
      code: 'INVALID_OPTION',
    });
    const other = await rejection(
      KafkaLog.open({ brokers: [kafka.brokers], topic, partitions: 3 }),
    );
    expect(other.code).toBe('INVALID_OPTION');
    expect(other.message).toContain('has 2 partitions');
    await node.log.close();
    expect((await rejection(node.log.append(0, [outcomeRecord('x')]))).code).toBe('CLOSED');
  });

  it('measures append latency', async () => {
    const { node } = await owner(1);
    const latencies: number[] = [];
    for (let i = 0; i < 200; i++) {
      const started = performance.now();
      await node.log.append(0, [outcomeRecord(`lat${i}`)]);
      latencies.push(performance.now() - started);
    }
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) => node.log.append(0, [outcomeRecord(`tp${i}`)])),
    );
    const seconds = (performance.now() - started) / 1000;
    process.stderr.write(
      `kafka-log: sequential append p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms; 2000 concurrent appends ${(2000 / seconds).toFixed(0)}/s\n`,
    );
    expect(quantile(latencies, 0.5)).toBeLessThan(200);
  });
});
