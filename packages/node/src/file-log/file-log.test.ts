import { readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoordinatorError,
  type LoggedRecord,
  type LogRecord,
  type OutcomeRecord,
} from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { fileLogFixture } from '../../test-support/file-log-fixture.js';
import type { FileLog } from './file-log.js';

const logs = fileLogFixture('file-log');

function outcome(i: number, value: unknown = `value-${i}`): OutcomeRecord {
  return {
    v: 1,
    kind: 'outcome',
    id: `cmd-${i}`,
    at: i,
    step: 'charge',
    service: 'payments',
    outcome: value,
  };
}

async function readAll(log: FileLog, partition: number, from = 0): Promise<LoggedRecord[]> {
  const all: LoggedRecord[] = [];
  for await (const batch of log.read(partition, from)) all.push(...batch);
  return all;
}

async function rejection(promise: Promise<unknown>): Promise<CoordinatorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CoordinatorError) return error;
    throw error;
  }
  throw new Error('expected a CoordinatorError');
}

describe('FileLog', () => {
  it('gives positions 0, 1, 2… per partition in call order, even for concurrent appends', async () => {
    const log = await logs.open();
    const appends = Array.from({ length: 200 }, (_, i) =>
      log.append(i % 2, [outcome(i), outcome(i + 1000)]),
    );
    const positions = await Promise.all(appends);
    positions.forEach((p, i) => {
      const k = Math.floor(i / 2) * 2;
      expect(p).toEqual([k, k + 1]);
    });
    const even = await readAll(log, 0);
    expect(even.map((r) => r.position)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(even[2]?.record).toEqual(outcome(2));
    expect(even[3]?.record).toEqual(outcome(1002));
    expect(await log.append(0, [])).toEqual([]);
  });

  it('keeps records, positions and checkpoints across close and reopen', async () => {
    const first = await logs.open();
    await first.append(3, [outcome(1), outcome(2)]);
    await first.commitCheckpoint(3, 1);
    await first.close();
    const log = await logs.open();
    expect(await log.loadCheckpoint(3)).toBe(1);
    expect(await log.loadCheckpoint(4)).toBe(0);
    expect(await log.append(3, [outcome(3)])).toEqual([2]);
    expect((await readAll(log, 3)).map((r) => r.record.id)).toEqual(['cmd-1', 'cmd-2', 'cmd-3']);
  });

  it('rolls segments over at segmentBytes, names them by first position and reads across them', async () => {
    const log = await logs.open({ segmentBytes: 1024 });
    for (let i = 0; i < 60; i += 3) {
      await log.append(0, [outcome(i), outcome(i + 1), outcome(i + 2)]);
    }
    const names = (await readdir(join(log.dir, 'partition-0'))).filter((n) => n.endsWith('.seg'));
    expect(names.length).toBeGreaterThan(3);
    expect(names[0]).toBe('00000000000000000000.seg');
    const bases = names.map((name) => Number.parseInt(name, 10));
    expect(bases).toEqual([...bases].sort((a, b) => a - b));
    for (const from of [0, 1, bases[1] as number, (bases[2] as number) + 1, 59, 60, 100]) {
      const read = await readAll(log, 0, from);
      expect(read.map((r) => r.position)).toEqual(
        Array.from({ length: Math.max(0, 60 - from) }, (_, i) => from + i),
      );
      expect(read.every((r) => r.record.id === `cmd-${r.position}`)).toBe(true);
    }
  });

  it('puts a batch wider than a segment into as many segments as it needs', async () => {
    const log = await logs.open({ segmentBytes: 512 });
    const records = Array.from({ length: 40 }, (_, i) => outcome(i));
    expect(await log.append(0, records)).toHaveLength(40);
    await log.append(0, [outcome(40, 'x'.repeat(2000))]);
    const names = (await readdir(join(log.dir, 'partition-0'))).filter((n) => n.endsWith('.seg'));
    expect(names.length).toBeGreaterThan(4);
    await log.close();
    const reopened = await logs.open({ segmentBytes: 512 });
    expect((await readAll(reopened, 0)).map((r) => r.record)).toEqual([
      ...records,
      outcome(40, 'x'.repeat(2000)),
    ]);
  });

  it('reads from any position deep inside large segments', async () => {
    const log = await logs.open();
    const records = Array.from({ length: 5000 }, (_, i) => outcome(i));
    for (let i = 0; i < records.length; i += 500) await log.append(1, records.slice(i, i + 500));
    for (const from of [0, 1023, 1024, 1025, 3000, 4999]) {
      const read = await readAll(log, 1, from);
      expect(read[0]).toEqual({ position: from, record: records[from] });
      expect(read).toHaveLength(5000 - from);
    }
    await log.close();
    const reopened = await logs.open();
    expect((await readAll(reopened, 1, 4097))[0]?.record).toEqual(records[4097]);
  });

  it('round-trips undefined, null, nested values and dates', async () => {
    const log = await logs.open();
    const records: LogRecord[] = [
      outcome(1, undefined),
      outcome(2, { a: undefined, b: [undefined, null, 1.5, -7], c: 'ü', d: new Date(5) }),
      { v: 1, kind: 'done', id: 'cmd-3', at: 3, result: undefined },
      { v: 1, kind: 'accepted', id: 'cmd-4', at: 4, type: 'order', payload: undefined },
    ];
    await log.append(0, records);
    await log.close();
    const read = await readAll(await logs.open(), 0);
    expect(read.map((r) => r.record)).toStrictEqual(records);
  });

  it('refuses an append it cannot encode without writing any of its records', async () => {
    const log = await logs.open();
    await expect(log.append(0, [outcome(0), outcome(1, Symbol('no'))])).rejects.toThrow(
      'Unknown type: symbol',
    );
    expect(await log.append(0, [outcome(2)])).toEqual([0]);
    expect((await readAll(log, 0)).map((r) => r.record.id)).toEqual(['cmd-2']);
  });

  it('checks records on read: one that is not a valid record is INVALID_RECORD with its place', async () => {
    const log = await logs.open();
    await log.append(0, [outcome(0), { v: 1, kind: 'started', id: '', at: 1 }]);
    const error = await rejection(readAll(log, 0));
    expect(error.code).toBe('INVALID_RECORD');
    expect(error.message).toContain(
      `${join(log.dir, 'partition-0', `${'0'.repeat(20)}.seg`)} offset`,
    );
  });

  it('reads what was acknowledged when read was called', async () => {
    const log = await logs.open();
    await log.append(0, [outcome(0)]);
    const reading = log.read(0, 0);
    await log.append(0, [outcome(1)]);
    const seen: number[] = [];
    for await (const batch of reading) seen.push(...batch.map((r) => r.position));
    expect(seen).toEqual([0]);
    expect(await readAll(log, 0, -5)).toHaveLength(2);
    expect(await readAll(log, 9, 0)).toEqual([]);
  });

  it('stores the latest of concurrent checkpoint commits', async () => {
    const log = await logs.open();
    await Promise.all([5, 9, 7].map((p) => log.commitCheckpoint(2, p)));
    expect(await log.loadCheckpoint(2)).toBe(7);
    await log.close();
    expect(await (await logs.open()).loadCheckpoint(2)).toBe(7);
  });

  it('keeps every segment by default; from-checkpoint deletes those wholly below it', async () => {
    const keep = await logs.open({ segmentBytes: 256 });
    for (let i = 0; i < 30; i++) await keep.append(0, [outcome(i)]);
    await keep.commitCheckpoint(0, 25);
    expect(await readAll(keep, 0)).toHaveLength(30);
    await keep.close();

    const log = await logs.open({ segmentBytes: 256, retainSegments: 'from-checkpoint' });
    const before = (await readdir(join(log.dir, 'partition-0'))).filter((n) => n.endsWith('.seg'));
    await log.commitCheckpoint(0, 25);
    const after = (await readdir(join(log.dir, 'partition-0'))).filter((n) => n.endsWith('.seg'));
    expect(after.length).toBeLessThan(before.length);
    const first = Number.parseInt(after[0] as string, 10);
    expect(first).toBeLessThanOrEqual(25);
    const deleted = logs.events.filter((e) => e.type === 'file-log.segment-deleted');
    expect(deleted).toHaveLength(before.length - after.length);
    expect((await readAll(log, 0, 25)).map((r) => r.position)).toEqual([25, 26, 27, 28, 29]);
    const error = await rejection(readAll(log, 0, 0));
    expect(error.code).toBe('INVALID_OPTION');
    expect(error.message).toContain(`below ${first}`);
    await log.close();
    const reopened = await logs.open({ segmentBytes: 256 });
    expect(await reopened.append(0, [outcome(30)])).toEqual([30]);
  });

  it('fails every call with CLOSED after close, and close is idempotent', async () => {
    const log = await logs.open();
    const pending = log.append(0, [outcome(0)]);
    const closing = log.close();
    expect(await pending).toEqual([0]);
    await Promise.all([closing, log.close()]);
    for (const call of [
      () => log.append(0, [outcome(1)]),
      () => log.loadCheckpoint(0),
      () => log.commitCheckpoint(0, 1),
      () => readAll(log, 0),
    ]) {
      expect((await rejection(call())).code).toBe('CLOSED');
    }
  });

  it('refuses a negative or fractional partition or position with INVALID_OPTION', async () => {
    const log = await logs.open();
    expect((await rejection(log.append(-1, [outcome(0)]))).message).toBe(
      'Expected `partition` to be an integer from 0 and up, got `-1` (number)',
    );
    expect((await rejection(log.commitCheckpoint(0, 1.5))).code).toBe('INVALID_OPTION');
    expect(await rejection(readAll(log, 0.5)).then((e) => e.code)).toBe('INVALID_OPTION');
  });

  it('lets one FileLog at a time open a directory in this process', async () => {
    const log = await logs.open();
    const error = await rejection(logs.open());
    expect(error.code).toBe('FENCED');
    expect(error.message).toContain(`pid ${process.pid}`);
    await log.close();
    await logs.open();
  });

  it('lets exactly one of two concurrent opens in this process win', async () => {
    const results = await Promise.allSettled([logs.open(), logs.open()]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const [refused] = results.filter((r) => r.status === 'rejected');
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ code: 'FENCED' });
  });

  it('opens a healthy log with verifyOnOpen all, having checked every segment', async () => {
    const log = await logs.open({ segmentBytes: 200 });
    for (let i = 0; i < 20; i++) await log.append(i % 2, [outcome(i)]);
    await log.close();
    const verified = await logs.open({ segmentBytes: 200, verifyOnOpen: 'all' });
    expect(await readAll(verified, 1)).toHaveLength(10);
  });

  it('stops for good after a failed write: CLOSED for that append and every later call', async () => {
    const log = await logs.open();
    expect(await log.append(0, [outcome(0)])).toEqual([0]);
    // A file where partition 7's directory must go makes its first write fail.
    await writeFile(join(log.dir, 'partition-7'), 'not a directory');
    const failed = await rejection(log.append(7, [outcome(1)]));
    expect(failed.code).toBe('CLOSED');
    expect(failed.message).toContain('failed');
    expect(logs.events).toContainEqual(
      expect.objectContaining({ type: 'file-log.failed', partition: 7 }),
    );
    expect((await rejection(log.append(0, [outcome(2)]))).code).toBe('CLOSED');
    await log.close();
    await rm(join(logs.dir, 'partition-7'));
    const reopened = await logs.open();
    expect((await readAll(reopened, 0)).map((r) => r.record.id)).toEqual(['cmd-0']);
  });

  it('reports opening, with the partitions found', async () => {
    const log = await logs.open();
    await log.append(0, [outcome(0)]);
    await log.append(5, [outcome(0)]);
    await log.close();
    logs.events.length = 0;
    await logs.open();
    expect(logs.events).toContainEqual(
      expect.objectContaining({ type: 'file-log.opened', partitions: 2, sync: 'data' }),
    );
  });
});
