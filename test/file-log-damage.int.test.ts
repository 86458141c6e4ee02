/**
 * Damage on disk: a torn or corrupt tail of a partition's last segment is cut off on open and
 * reported (file, offset, bytes); damage in a sealed segment, a segment header or a checkpoint is
 * a `LOG_CORRUPT` error naming the file and offset, never a silent skip.
 */

import {
  appendFile,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorError, type LoggedRecord } from '@coordinator/core';
import { FileLog, type FileLogEvent, type FileLogInput } from '@coordinator/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { frameLayout } from './support/file-log-frames.js';
import { outcomeRecord } from './support/file-log-records.js';

let dir: string;
let events: FileLogEvent[];
const opened: FileLog[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coordinator-file-log-damage-'));
  events = [];
});

afterEach(async () => {
  for (const log of opened.splice(0)) await log.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(options: Partial<FileLogInput> = {}): Promise<FileLog> {
  const log = await FileLog.open({ dir, onEvent: (e) => events.push(e), ...options });
  opened.push(log);
  return log;
}

/** Writes `count` records to partition 0 in appends of one, then closes the log. */
async function fill(count: number, options: Partial<FileLogInput> = {}): Promise<string[]> {
  const log = await open(options);
  for (let i = 0; i < count; i++) await log.append(0, [outcomeRecord(`cmd-${i}`)]);
  await log.close();
  opened.splice(opened.indexOf(log), 1);
  const partitionDir = join(dir, 'partition-0');
  const names = (await readdir(partitionDir)).filter((n) => n.endsWith('.seg')).sort();
  return names.map((n) => join(partitionDir, n));
}

async function readIds(log: FileLog, from = 0): Promise<string[]> {
  const all: LoggedRecord[] = [];
  for await (const batch of log.read(0, from)) all.push(...batch);
  return all.map((r) => r.record.id);
}

async function flipByte(path: string, offset: number): Promise<void> {
  const data = await readFile(path);
  data[offset] = (data[offset] as number) ^ 0x5a;
  await writeFile(path, data);
}

async function corruptError(run: () => Promise<unknown>): Promise<CoordinatorError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoordinatorError);
  expect((error as CoordinatorError).code).toBe('LOG_CORRUPT');
  return error as CoordinatorError;
}

const ids = (n: number) => Array.from({ length: n }, (_, i) => `cmd-${i}`);

describe('a damaged tail is cut off and reported', () => {
  it('truncates a record cut short (segment truncated mid-record)', async () => {
    const [segment] = (await fill(10)) as [string];
    const last = (await frameLayout(segment)).at(-1) as { offset: number; bytes: number };
    await truncate(segment, last.offset + last.bytes - 5);
    const log = await open();
    expect(events).toContainEqual({
      type: 'file-log.tail-truncated',
      partition: 0,
      file: segment,
      offset: last.offset,
      bytes: last.bytes - 5,
      reason: 'incomplete',
    });
    expect(await readIds(log)).toEqual(ids(9));
    expect((await stat(segment)).size).toBe(last.offset);
    expect(await log.append(0, [outcomeRecord('next')])).toEqual([9]);
    expect((await readIds(log)).at(-1)).toBe('next');
  });

  it('truncates a record whose frame header is cut short', async () => {
    const [segment] = (await fill(4)) as [string];
    const last = (await frameLayout(segment)).at(-1) as { offset: number; bytes: number };
    await truncate(segment, last.offset + 3);
    const log = await open();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'file-log.tail-truncated', offset: last.offset, bytes: 3 }),
    );
    expect(await readIds(log)).toEqual(ids(3));
  });

  it('truncates a last record whose payload bits are flipped', async () => {
    const [segment] = (await fill(10)) as [string];
    const last = (await frameLayout(segment)).at(-1) as { offset: number; bytes: number };
    await flipByte(segment, last.offset + 12);
    const log = await open();
    expect(events).toContainEqual({
      type: 'file-log.tail-truncated',
      partition: 0,
      file: segment,
      offset: last.offset,
      bytes: last.bytes,
      reason: 'checksum',
    });
    expect(await readIds(log)).toEqual(ids(9));
  });

  it('truncates a last record whose length or checksum field is flipped', async () => {
    const [segment] = (await fill(6)) as [string];
    const last = (await frameLayout(segment)).at(-1) as { offset: number; bytes: number };
    await flipByte(segment, last.offset + 4);
    await flipByte(segment, last.offset + 1);
    const log = await open();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'file-log.tail-truncated', offset: last.offset }),
    );
    expect(await readIds(log)).toEqual(ids(5));
  });

  it('truncates zeros after the last record (as left by a torn write)', async () => {
    const [segment] = (await fill(3)) as [string];
    const size = (await stat(segment)).size;
    await appendFile(segment, Buffer.alloc(4096));
    const log = await open();
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'file-log.tail-truncated', offset: size, bytes: 4096 }),
    );
    expect(await readIds(log)).toEqual(ids(3));
  });

  it('removes and reports temporary files left by an interrupted write', async () => {
    await fill(2);
    const leftover = join(dir, 'partition-0', `${'0'.repeat(18)}99.seg.tmp`);
    await writeFile(leftover, 'half');
    const log = await open();
    expect(events).toContainEqual({ type: 'file-log.temporary-removed', file: leftover });
    expect(await readIds(log)).toEqual(ids(2));
  });
});

describe('damage outside the tail is LOG_CORRUPT, naming file and offset', () => {
  it('fails reading a sealed segment with flipped bits, and leaves it as it was', async () => {
    const segments = await fill(40, { segmentBytes: 300 });
    expect(segments.length).toBeGreaterThan(3);
    const sealed = segments[1] as string;
    const frames = await frameLayout(sealed);
    const damaged = frames[1] as { offset: number };
    await flipByte(sealed, damaged.offset + 10);
    const before = await readFile(sealed);

    const log = await open({ segmentBytes: 300 });
    expect(events.filter((e) => e.type === 'file-log.tail-truncated')).toEqual([]);
    const error = await corruptError(() => readIds(log));
    expect(error.message).toContain(sealed);
    expect(error.message).toContain(`offset ${damaged.offset}`);
    expect(error.message).toContain('checksum');
    const third = Number.parseInt((segments[2] as string).split('/').at(-1) as string, 10);
    expect(await readIds(log, third)).toEqual(ids(40).slice(third));
    expect(await readFile(sealed)).toEqual(before);
    await log.close();

    const verifyAll = await corruptError(() => open({ segmentBytes: 300, verifyOnOpen: 'all' }));
    expect(verifyAll.message).toContain(`${sealed} at offset ${damaged.offset}`);
  });

  it('fails reading a sealed segment cut short or with bytes after its last record', async () => {
    const segments = await fill(40, { segmentBytes: 300 });
    const [first, second] = segments as [string, string];
    const firstFrames = await frameLayout(first);
    const cut = firstFrames.at(-1) as { offset: number };
    await truncate(first, cut.offset);
    await appendFile(second, Buffer.from([1, 2, 3]));
    const log = await open({ segmentBytes: 300 });
    expect((await corruptError(() => readIds(log))).message).toContain(
      `${first} at offset ${cut.offset}`,
    );
    const secondBase = Number.parseInt(second.split('/').at(-1) as string, 10);
    const secondEnd = (await stat(second)).size - 3;
    expect((await corruptError(() => readIds(log, secondBase))).message).toContain(
      `${second} at offset ${secondEnd}: bytes follow`,
    );
  });

  it('fails opening when the last segment header is damaged', async () => {
    const [segment] = (await fill(3)) as [string];
    await flipByte(segment, 9);
    const error = await corruptError(() => open());
    expect(error.message).toContain(`${segment} at offset 0`);
  });

  it('fails loading a damaged checkpoint', async () => {
    const log = await open();
    await log.commitCheckpoint(0, 42);
    await log.close();
    await flipByte(join(dir, 'partition-0', 'checkpoint'), 9);
    const reopened = await open();
    const error = await corruptError(() => reopened.loadCheckpoint(0));
    expect(error.message).toContain(join(dir, 'partition-0', 'checkpoint'));
  });
});
