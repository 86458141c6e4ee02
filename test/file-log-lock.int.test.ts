/**
 * One process at a time: a second process opening the data directory gets `FENCED` naming the
 * holder's pid while the first keeps working; a lock left by a killed process is taken over.
 */

import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoordinatorError, type LoggedRecord } from '@coordinator/core';
import { FileLog, type FileLogEvent } from '@coordinator/node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type SpawnedProcess, spawnSupportScript } from './support/spawn-process.js';

let dir: string;
const children: SpawnedProcess[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'coordinator-file-log-lock-'));
});

afterEach(async () => {
  for (const child of children.splice(0)) await child.kill();
  await rm(dir, { recursive: true, force: true });
});

function holder(): SpawnedProcess {
  const child = spawnSupportScript('file-log-holder-child.ts', [dir]);
  children.push(child);
  return child;
}

async function fenced(run: () => Promise<unknown>): Promise<CoordinatorError> {
  const error = await run().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoordinatorError);
  expect((error as CoordinatorError).code).toBe('FENCED');
  return error as CoordinatorError;
}

async function readIds(log: FileLog): Promise<string[]> {
  const all: LoggedRecord[] = [];
  for await (const batch of log.read(0, 0)) all.push(...batch);
  return all.map((r) => r.record.id);
}

describe('the data directory lock', () => {
  it('fences a second process with the holder pid; the first keeps working', async () => {
    const first = holder();
    await first.waitForLine((l) => l.startsWith('ready'));
    first.send('append 2');
    await first.waitForLine((l) => l === 'acked 0 1');

    const error = await fenced(() => FileLog.open({ dir }));
    expect(error.message).toContain(`process ${first.pid}`);

    first.send('append 3');
    await first.waitForLine((l) => l === 'acked 2 3 4');
    first.send('close');
    await first.waitForLine((l) => l === 'closed');

    const log = await FileLog.open({ dir });
    expect(await readIds(log)).toEqual(['held-0', 'held-1', 'held-2', 'held-3', 'held-4']);
    await log.close();
  });

  it('fences a second process while this one holds the directory', async () => {
    const log = await FileLog.open({ dir });
    await log.append(0, [{ v: 1, kind: 'started', id: 'mine', at: 0 }]);
    const second = holder();
    const line = await second.waitForLine((l) => l.startsWith('refused') || l.startsWith('ready'));
    expect(line).toContain('refused FENCED');
    expect(line).toContain(`process ${process.pid}`);
    expect(await log.append(0, [{ v: 1, kind: 'started', id: 'more', at: 0 }])).toEqual([1]);
    await log.close();
  });

  it('takes over the lock of a SIGKILLed holder and reports its pid', async () => {
    const first = holder();
    await first.waitForLine((l) => l.startsWith('ready'));
    first.send('append 1');
    await first.waitForLine((l) => l.startsWith('acked'));
    await first.kill();

    const events: FileLogEvent[] = [];
    const log = await FileLog.open({ dir, onEvent: (e) => events.push(e) });
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'file-log.lock-taken-over', pid: first.pid }),
    );
    expect(await readIds(log)).toEqual(['held-0']);
    expect((await readdir(dir)).filter((n) => n.startsWith('lock.'))).toHaveLength(1);
    await log.close();
    expect((await readdir(dir)).filter((n) => n.startsWith('lock.'))).toEqual([]);
  });

  it.skipIf(process.platform !== 'linux')(
    'takes over a lock whose pid now belongs to a process started at another time',
    async () => {
      // Pid 1 is alive, but not the process that wrote the lock: its start time differs.
      await writeFile(
        join(dir, 'lock.7'),
        JSON.stringify({ pid: 1, host: hostname(), started: 'long-ago' }),
      );
      const events: FileLogEvent[] = [];
      const log = await FileLog.open({ dir, onEvent: (e) => events.push(e) });
      expect(events).toContainEqual(
        expect.objectContaining({ type: 'file-log.lock-taken-over', pid: 1 }),
      );
      expect((await readdir(dir)).filter((n) => n.startsWith('lock.'))).toEqual(['lock.8']);
      await log.close();
    },
  );

  it('lets exactly one of several processes racing for a stale lock win', async () => {
    const dead = holder();
    await dead.waitForLine((l) => l.startsWith('ready'));
    await dead.kill();
    const racers = [holder(), holder(), holder(), holder()];
    const outcomes = await Promise.all(
      racers.map((r) => r.waitForLine((l) => l.startsWith('ready') || l.startsWith('refused'))),
    );
    expect(outcomes.filter((l) => l.startsWith('ready'))).toHaveLength(1);
    const refusals = outcomes.filter((l) => l.startsWith('refused'));
    expect(refusals).toHaveLength(3);
    for (const refusal of refusals) expect(refusal).toContain('refused FENCED');
    expect((await readdir(dir)).filter((n) => /^lock\.\d+$/.test(n))).toHaveLength(1);
  });

  it('fences when the holder is on another host, or the lock file is unreadable', async () => {
    await writeFile(
      join(dir, 'lock.1'),
      JSON.stringify({ pid: 4242, host: 'elsewhere', started: '1' }),
    );
    const error = await fenced(() => FileLog.open({ dir }));
    expect(error.message).toContain('process 4242 on host elsewhere');
    await writeFile(join(dir, 'lock.2'), 'garbage');
    expect((await fenced(() => FileLog.open({ dir }))).message).toContain('unreadable');
  });
});
