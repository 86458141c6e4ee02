/**
 * Partition ownership and single-writer fencing of the Kafka log against a real broker: two nodes
 * of one group split the partitions and hand them over; a node that lost a partition to another
 * node's CLAIM is fenced at its next append, and replay skips its late records.
 */

import { CoordinatorError } from '@coordinator/core';
import { writeAsZombie } from '@coordinator/node/testing';
import { describe, expect, it } from 'vitest';
import { outcomeRecord } from './support/file-log-records.js';
import {
  kafkaLogFixture,
  type LogUnderTest,
  openLog,
  readAll,
  rejection,
  uniqueName,
} from './support/kafka-log-harness.js';
import { spawnSupportScript } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const kafka = kafkaLogFixture();
const { opened } = kafka;

async function open(topic: string, groupId: string, partitions: number): Promise<LogUnderTest> {
  const node = await openLog(uniqueName('node'), {
    brokers: [kafka.brokers],
    topic,
    groupId,
    partitions,
  });
  opened.push(node);
  return node;
}

describe('KafkaLog ownership', () => {
  it('splits 12 partitions between two nodes, then hands a closing node its share', async () => {
    const topic = uniqueName('kl-topic');
    const groupId = uniqueName('kl-group');
    const a = await open(topic, groupId, 12);
    await a.start();
    await a.owning(12);

    const b = await open(topic, groupId, 12);
    const joined = Date.now();
    await b.start();
    const ownedByA = await a.owning(6);
    const ownedByB = await b.owning(6);
    const splitMs = Date.now() - joined;
    expect([...ownedByA, ...ownedByB].sort((x, y) => x - y)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
    // Sticky: A gave up only what B took, and heard `revoked` for exactly those.
    expect(
      a.calls.filter((c) => c.startsWith('revoked')).map((c) => Number(c.split(' ')[1])),
    ).toEqual(expect.arrayContaining(ownedByB));
    expect(a.calls.filter((c) => c.startsWith('revoked'))).toHaveLength(6);
    expect(b.log.owned).toEqual(ownedByB);

    // Each writes to its own partitions; a write to the other's is refused.
    const written = new Map<number, string[]>();
    for (const [node, partitions] of [
      [a, ownedByA],
      [b, ownedByB],
    ] as const) {
      for (const p of partitions) {
        const ids = [`${node.name}-${p}-1`, `${node.name}-${p}-2`, `${node.name}-${p}-3`];
        const positions = await node.log.append(
          p,
          ids.map((id) => outcomeRecord(id)),
        );
        // The first record is before A's checkpoint, so B must replay only the other two.
        if (node === a) await node.log.commitCheckpoint(p, positions[1] as number);
        written.set(p, node === a ? ids.slice(1) : ids);
      }
    }
    const foreign = await rejection(b.log.append(ownedByA[0] as number, [outcomeRecord('no')]));
    expect(foreign.code).toBe('NOT_OWNER');

    // A leaves: B is assigned A's partitions and replays what A wrote from A's checkpoints.
    const replayed = new Map<number, string[]>();
    const handedOver = Date.now();
    await a.log.close();
    await waitFor(
      'B to replay every partition A owned',
      () => ownedByA.every((p) => b.assigned.has(p)),
      30_000,
    );
    const takeoverMs = Date.now() - handedOver;
    for (const p of ownedByA) {
      const from = await b.log.loadCheckpoint(p);
      replayed.set(
        p,
        (await readAll(b.log, p, from)).map((r) => r.record.id),
      );
    }
    for (const p of ownedByA) expect(replayed.get(p)).toEqual(written.get(p));
    expect(b.log.owned).toHaveLength(12);
    await b.log.append(ownedByA[0] as number, [outcomeRecord('b-after')]);
    process.stderr.write(
      `kafka-log: second node joined and split 12 partitions in ${splitMs} ms; takeover of 6 after LeaveGroup in ${takeoverMs} ms\n`,
    );
  });
});

describe('KafkaLog fencing', () => {
  it('fences a node whose partition another node claimed; replay skips its late records', async () => {
    const topic = uniqueName('kl-topic');
    const p = 1;
    // A and B are in different groups, so both are assigned p: B's CLAIM plays a new owner
    // taking over while A (a zombie that has not heard of any rebalance) keeps appending.
    const a = await open(topic, uniqueName('kl-group-a'), 2);
    await a.start();
    await a.owning(2);
    await a.log.append(p, [outcomeRecord('a-0'), outcomeRecord('a-1')]);

    // Appenders that keep A's writer busy, so some sends are in flight when B claims.
    const acknowledged: { position: number; id: string }[] = [];
    const failures: unknown[] = [];
    let stop = false;
    const appender = async (lane: number) => {
      for (let i = 0; !stop; i++) {
        const id = `a-${lane}-${i}`;
        try {
          const [position] = await a.log.append(p, [outcomeRecord(id)]);
          acknowledged.push({ position: position as number, id });
        } catch (error) {
          failures.push(error);
          return;
        }
      }
    };
    const lanes = Promise.all([0, 1, 2, 3].map(appender));
    await waitFor('A to acknowledge a few appends', () => acknowledged.length >= 20, 10_000);

    const b = await open(topic, uniqueName('kl-group-b'), 2);
    const fencedAt = Date.now();
    let replayedByB: string[] = [];
    await b.start(async (partition) => {
      if (partition !== p) return;
      const from = await b.log.loadCheckpoint(p);
      replayedByB = (await readAll(b.log, p, from)).map((r) => r.record.id);
    });
    await b.owning(2);
    await waitFor('A to hear revoked(p)', () => a.calls.includes(`revoked ${p}`), 10_000);
    const revokeMs = Date.now() - fencedAt;
    stop = true;
    await lanes;

    // A's appends now fail with FENCED, naming the partition.
    expect(failures.length).toBeGreaterThan(0);
    for (const failure of failures) {
      expect(failure).toBeInstanceOf(CoordinatorError);
      expect((failure as CoordinatorError).code).toBe('FENCED');
      expect((failure as CoordinatorError).message).toContain(`Partition ${p} of ${topic}`);
    }
    const late = await rejection(a.log.append(p, [outcomeRecord('a-late')]));
    expect(late.code).toBe('FENCED');
    expect(a.assigned.has(p)).toBe(false);
    // B claimed partition 0 too: A, appending nothing there, notices by its end-offset watch.
    await waitFor('A to give partition 0 up', () => !a.assigned.has(0), 10_000);
    const gapFence = a.events.find(
      (e) => e.type === 'kafka-log.fenced' && e.message.includes('expected offset'),
    );
    // A's group still assigns it p: it would claim p again after a pause (and fence B in turn).
    await a.log.close();

    // B replayed exactly what A acknowledged, and nothing of what A was told failed.
    const acked = [
      'a-0',
      'a-1',
      ...acknowledged.sort((x, y) => x.position - y.position).map((x) => x.id),
    ];
    expect(replayedByB).toEqual(acked);

    // Whether or not one of A's sends was in flight across B's CLAIM (then it landed after the
    // CLAIM and B skipped it), B's own append is not fenced and replay holds no lost record.
    const stale = b.events.filter((e) => e.type === 'kafka-log.stale-skipped').length;
    const [bPosition] = await b.log.append(p, [outcomeRecord('b-0')]);
    const replay = (await readAll(b.log, p, await b.log.loadCheckpoint(p))).map((r) => r.record.id);
    expect(replay).toEqual([...acked, 'b-0']);
    expect(bPosition).toBeGreaterThan(acknowledged.at(-1)?.position ?? 0);

    // A fresh reader of the topic (a third group) agrees.
    const c = await open(topic, uniqueName('kl-group-c'), 2);
    let replayedByC: string[] = [];
    await c.start(async (partition) => {
      if (partition === p) replayedByC = (await readAll(c.log, p, 0)).map((r) => r.record.id);
    });
    await c.owning(2);
    expect(replayedByC).toEqual([...acked, 'b-0']);
    process.stderr.write(
      `kafka-log: zombie revoked ${revokeMs} ms after the new owner started; ${acknowledged.length} acknowledged, ${failures.length} fenced appends, ${stale} stale records skipped, fenced ${gapFence ? 'by an append past the CLAIM' : 'on seeing the CLAIM'}\n`,
    );
  });

  it("skips a fenced node's late records after the new owner's CLAIM", async () => {
    const topic = uniqueName('kl-topic');
    const p = 0;
    const a = await open(topic, uniqueName('kl-group-a'), 1);
    await a.start();
    await a.owning(1);
    await a.log.append(p, [outcomeRecord('a-0')]);
    const epochOfA = a.events.find((e) => e.type === 'kafka-log.claimed')?.epoch as number;

    const b = await open(topic, uniqueName('kl-group-b'), 1);
    await b.start();
    await b.owning(1);
    await waitFor('A to hear revoked(p)', () => a.calls.includes(`revoked ${p}`), 10_000);
    const fenced = await rejection(a.log.append(p, [outcomeRecord('a-late')]));
    expect(fenced.code).toBe('FENCED');
    expect(fenced.message).toMatch(/CLAIM at offset \d+ follows this node's \(epoch \d+\)/);
    await a.log.close();

    // A late write of A (stamped with A's epoch) lands after B's CLAIM.
    const [zombie] = await writeAsZombie(kafka.brokers, topic, p, epochOfA, [
      outcomeRecord('a-zombie'),
    ]);
    await waitFor(
      'B to skip the late record',
      () =>
        b.events.some((e) => e.type === 'kafka-log.stale-skipped' && e.offset === zombie) ||
        undefined,
      10_000,
    );
    // B's next append lands past it: only an older-epoch record lies between, so it stands.
    const [position] = await b.log.append(p, [outcomeRecord('b-0')]);
    expect(position).toBe((zombie as number) + 1);
    expect((await readAll(b.log, p, 0)).map((r) => r.record.id)).toEqual(['a-0', 'b-0']);
    expect(b.events.some((e) => e.type === 'kafka-log.fenced')).toBe(false);

    // A fresh reader replays the same.
    const c = await open(topic, uniqueName('kl-group-c'), 1);
    let replayed: string[] = [];
    await c.start(async () => {
      replayed = (await readAll(c.log, p, 0)).map((r) => r.record.id);
    });
    await c.owning(1);
    expect(replayed).toEqual(['a-0', 'b-0']);
    expect(c.events.filter((e) => e.type === 'kafka-log.stale-skipped')).toHaveLength(1);
  });
});

describe('KafkaLog failover from a paused node', () => {
  it('hands a paused node its partitions to the group and fences it when it wakes', async () => {
    const topic = uniqueName('kl-topic');
    const groupId = uniqueName('kl-group');
    const p = 0;
    const a = spawnSupportScript('kafka-log-node-child.ts', [kafka.brokers, topic, groupId, '4']);
    try {
      for (let i = 0; i < 4; i++) await a.waitForLine((l) => l === `assigned ${i}`);
      a.send(`write ${p}`);
      await a.waitForLine((l) => l.startsWith(`ack ${p} `) && l.endsWith('-9'));

      // A freezes mid-write: a zombie that still believes it owns every partition.
      a.child.kill('SIGSTOP');
      const stoppedAt = Date.now();
      const b = await openLog(uniqueName('node'), {
        brokers: [kafka.brokers],
        topic,
        groupId,
        partitions: 4,
        sessionTimeoutMs: 2000,
        heartbeatIntervalMs: 300,
        rebalanceTimeoutMs: 4000,
      });
      opened.push(b);
      let replayed: string[] = [];
      await b.start(async (partition) => {
        if (partition !== p) return;
        replayed = (await readAll(b.log, p, await b.log.loadCheckpoint(p))).map((r) => r.record.id);
      });
      await b.owning(4, 30_000);
      const takeoverMs = Date.now() - stoppedAt;

      // A wakes: its next append is fenced, its listener hears revoked(p).
      a.child.kill('SIGCONT');
      await a.waitForLine((l) => l === `fail ${p} FENCED`, 20_000);
      await a.waitForLine((l) => l === `revoked ${p}`, 20_000);
      const acked = a.lines
        .filter((l) => l.startsWith(`ack ${p} `))
        .map((l) => l.split(' '))
        .sort((x, y) => Number(x[2]) - Number(y[2]))
        .map((parts) => parts[3]);
      // B took over with every record A acknowledged, and none A was told failed.
      expect(replayed).toEqual(acked);
      const [next] = await b.log.append(p, [outcomeRecord('b-0')]).catch(() => [undefined]);
      // A rejoins the group as a new member; the sticky assignment gives it a share back.
      const ownedByA = () => {
        const owned = new Set<number>();
        for (const line of a.lines) {
          const [what, partition] = line.split(' ');
          if (what === 'assigned') owned.add(Number(partition));
          if (what === 'revoked') owned.delete(Number(partition));
        }
        return owned;
      };
      await waitFor(
        'the group to settle with both nodes',
        () => b.assigned.size === 2 && ownedByA().size === 2,
        30_000,
      );
      expect([...ownedByA(), ...b.assigned].sort()).toEqual([0, 1, 2, 3]);
      process.stderr.write(
        `kafka-log: paused node's partitions taken over in ${takeoverMs} ms (session timeout 2000 ms); ${acked.length} records replayed; next append of the new owner at ${next ?? 'n/a'}\n`,
      );
    } finally {
      await a.kill();
    }
  });
});
