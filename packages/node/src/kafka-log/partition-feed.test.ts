import type { LoggedRecord, LogRecord } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { encodeClaimEnvelope, encodeRecordEnvelope } from './log-envelope.js';
import { PartitionFeed } from './partition-feed.js';

function record(id: string): LogRecord {
  return { v: 1, kind: 'started', id, at: 1 };
}

function feed() {
  const stale: number[] = [];
  const claims: number[] = [];
  const f = new PartitionFeed({
    topic: 't',
    partition: 0,
    onStale: (offset) => stale.push(offset),
    onClaim: (offset) => claims.push(offset),
  });
  return { f, stale, claims };
}

function ids(f: PartitionFeed, from: number): string[] {
  return [...f.read(from)].flat().map((r) => `${r.position}:${r.record.id}`);
}

describe('PartitionFeed', () => {
  it('keeps records of the current epoch, drops CLAIMs, skips older epochs after a CLAIM', () => {
    const { f, stale, claims } = feed();
    f.init(0, -1);
    f.deliver(0, encodeClaimEnvelope('a'));
    f.deliver(1, encodeRecordEnvelope(record('a1'), 0));
    f.deliver(2, encodeClaimEnvelope('b'));
    f.deliver(3, encodeRecordEnvelope(record('a-late'), 0));
    f.deliver(4, encodeRecordEnvelope(record('b1'), 2));
    expect(ids(f, 0)).toEqual(['1:a1', '4:b1']);
    expect(stale).toEqual([3]);
    expect(claims).toEqual([0, 2]);
    expect(f.end).toBe(5);
    expect(f.claimBetween(2, 3)).toBe(true);
    expect(f.claimBetween(3, 5)).toBe(false);
  });

  it('starts from the epoch committed with the checkpoint', () => {
    const { f, stale } = feed();
    f.init(10, 5);
    f.deliver(10, encodeRecordEnvelope(record('older'), 3));
    f.deliver(11, encodeRecordEnvelope(record('current'), 5));
    f.deliver(12, encodeRecordEnvelope(record('newer'), 8));
    f.deliver(13, encodeRecordEnvelope(record('back'), 5));
    expect(ids(f, 10)).toEqual(['11:current', '12:newer']);
    expect(stale).toEqual([10, 13]);
  });

  it('holds deliveries made before init, and drops duplicates and records below the start', () => {
    const { f } = feed();
    f.deliver(4, encodeRecordEnvelope(record('below'), 0));
    f.deliver(5, encodeRecordEnvelope(record('r5'), 0));
    f.init(5, 0);
    f.deliver(5, encodeRecordEnvelope(record('dup'), 0));
    f.deliver(6, encodeRecordEnvelope(record('r6'), 0));
    expect(ids(f, 5)).toEqual(['5:r5', '6:r6']);
    expect(ids(f, 6)).toEqual(['6:r6']);
  });

  it('starts at the first offset the log still holds', () => {
    const { f } = feed();
    f.init(0, -1);
    f.deliver(40, encodeRecordEnvelope(record('r40'), 0));
    expect(f.start).toBe(40);
    expect(() => [...f.read(0)]).toThrow(/from its checkpoint \(40\) on/);
  });

  it('trims below a checkpoint and refuses reads before it', () => {
    const { f } = feed();
    f.init(0, -1);
    for (let i = 0; i < 5; i++) f.deliver(i, encodeRecordEnvelope(record(`r${i}`), 0));
    f.trim(3);
    expect(f.size).toBe(2);
    expect(ids(f, 3)).toEqual(['3:r3', '4:r4']);
    expect(() => [...f.read(2)]).toThrow(expect.objectContaining({ code: 'INVALID_OPTION' }));
  });

  it('resolves waiters once an offset is seen', async () => {
    const { f } = feed();
    const seen: number[] = [];
    const waits = [f.whenSeen(2).then(() => seen.push(2)), f.whenSeen(0).then(() => seen.push(0))];
    f.init(0, -1);
    f.deliver(0, encodeClaimEnvelope('a'));
    await Promise.resolve();
    expect(seen).toEqual([0]);
    f.deliver(5, encodeRecordEnvelope(record('r5'), 0));
    await Promise.all(waits);
    expect(seen).toEqual([0, 2]);
  });

  it('reads up to a corrupt message, then fails with LOG_CORRUPT naming it', () => {
    const { f } = feed();
    f.init(0, -1);
    f.deliver(0, encodeRecordEnvelope(record('ok'), 0));
    f.deliver(1, Buffer.from([0xc1]));
    f.deliver(2, encodeRecordEnvelope(record('after'), 0));
    const it = f.read(0);
    expect(it.next().value?.map((r: LoggedRecord) => r.record.id)).toEqual(['ok']);
    expect(() => it.next()).toThrow(
      expect.objectContaining({
        code: 'LOG_CORRUPT',
        message: expect.stringContaining('t[0] offset 1'),
      }),
    );
  });
});
