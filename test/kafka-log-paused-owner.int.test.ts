/**
 * The owner of a live partition does not read its own writes back: its consumer is paused there.
 * Fencing must not depend on that consumer: a zombie whose consumer is paused still cannot land a
 * record after another node's CLAIM, and the records it acknowledged before are all replayed.
 */

import { claimAsOutsider } from '@coordinator/node/testing';
import { describe, expect, it } from 'vitest';
import { outcomeRecord } from './support/file-log-records.js';
import { kafkaLogFixture, openLog, readAll, uniqueName } from './support/kafka-log-harness.js';
import { waitFor } from './support/wait-for.js';

const kafka = kafkaLogFixture();

describe('KafkaLog owner with a paused consumer', () => {
  it("cannot land a record after another node's CLAIM", async () => {
    const topic = uniqueName('kl-topic');
    const p = 1;
    // A slow end-offset watch (once a second): A's append right after the CLAIM is almost always
    // what finds it; either way nothing may land.
    const a = await openLog(uniqueName('node-a'), {
      brokers: [kafka.brokers],
      topic,
      groupId: uniqueName('kl-group-a'),
      partitions: 2,
      fetchMaxWaitMs: 1000,
    });
    kafka.opened.push(a);
    await a.start();
    await a.owning(2);
    const acked = [];
    for (let i = 0; i < 5; i++) {
      const [position] = await a.log.append(p, [outcomeRecord(`a-${i}`)]);
      acked.push(position);
    }
    // Live: the consumer fetches neither partition (A's writes reach its feed from the writer).
    await waitFor('A to pause its live partitions', () => a.log.paused.length === 2, 10_000);
    expect(a.log.paused).toEqual([0, 1]);

    const claim = await claimAsOutsider(kafka.brokers, topic, p, 'other-node');
    await expect(a.log.append(p, [outcomeRecord('a-late')])).rejects.toMatchObject({
      code: 'FENCED',
    });
    await waitFor('A to hear revoked(p)', () => a.calls.includes(`revoked ${p}`), 10_000);
    const fenced = a.events.find((e) => e.type === 'kafka-log.fenced');
    expect(fenced).toMatchObject({ partition: p, claim });
    // The other partition, which nobody claimed, stays A's.
    expect(a.assigned.has(0)).toBe(true);
    await a.log.close();

    // A fresh reader of the topic replays A's acknowledged records and nothing after the CLAIM.
    const c = await openLog(uniqueName('node-c'), {
      brokers: [kafka.brokers],
      topic,
      groupId: uniqueName('kl-group-c'),
      partitions: 2,
    });
    kafka.opened.push(c);
    let replayed: string[] = [];
    await c.start(async (partition) => {
      if (partition === p) replayed = (await readAll(c.log, p, 0)).map((r) => r.record.id);
    });
    await c.owning(2);
    expect(replayed).toEqual(['a-0', 'a-1', 'a-2', 'a-3', 'a-4']);
    process.stderr.write(
      `kafka-log: paused zombie fenced (acknowledged at ${acked.join(',')}, CLAIM at ${claim}): ${fenced?.type === 'kafka-log.fenced' ? fenced.message : ''}\n`,
    );
  });
});
