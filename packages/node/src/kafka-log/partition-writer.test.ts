import { CoordinatorError, type LogRecord } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import {
  type OutgoingMessage,
  PartitionWriter,
  type PartitionWriterConfig,
} from './partition-writer.js';

function record(id: string): LogRecord {
  return { v: 1, kind: 'started', id, at: 1 };
}

/** A partition as a list of keys; `foreign` inserts offsets taken by another writer. */
function partition(options: { gapHasClaim?: boolean; fail?: (call: number) => boolean } = {}) {
  const keys: string[] = [];
  const sends: number[] = [];
  const stopped: string[] = [];
  const acknowledged: number[] = [];
  let calls = 0;
  const config: PartitionWriterConfig = {
    topic: 't',
    partition: 3,
    send: async (take: () => readonly OutgoingMessage[]) => {
      calls += 1;
      const messages = take();
      if (messages.length === 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, 1));
      if (options.fail?.(calls)) throw new Error('broker gone');
      sends.push(messages.length);
      const base = keys.length;
      keys.push(...messages.map((m) => m.key));
      return base;
    },
    gapHasClaim: async () => options.gapHasClaim ?? true,
    onAcknowledged: (base, values) => acknowledged.push(base, values.length),
    onStopped: (error, reason) => stopped.push(`${reason}:${error.code}`),
  };
  return { keys, sends, stopped, acknowledged, config };
}

describe('PartitionWriter', () => {
  it('claims first, then appends in call order, sharing sends among waiting appends', async () => {
    const p = partition();
    const writer = await PartitionWriter.claim(p.config, 'node');
    expect(writer.epoch).toBe(0);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => writer.append([record(`r${i}a`), record(`r${i}b`)])),
    );
    expect(results.flat()).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(p.keys.slice(1)).toEqual(results.flatMap((_, i) => [`r${i}a`, `r${i}b`]));
    expect(p.sends.length).toBeLessThan(21);
    expect(writer.expected).toBe(41);
  });

  it('fences this append and every later one when a CLAIM lies in the gap', async () => {
    const p = partition({ gapHasClaim: true });
    const writer = await PartitionWriter.claim(p.config, 'node');
    await writer.append([record('mine')]);
    p.keys.push('claim:3'); // another node's CLAIM
    const error = await writer.append([record('late')]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorError);
    expect((error as CoordinatorError).code).toBe('FENCED');
    expect((error as CoordinatorError).message).toContain(
      'Partition 3 of t has another owner: an append expected offset 2 but landed at 3',
    );
    await expect(writer.append([record('later')])).rejects.toMatchObject({ code: 'FENCED' });
    expect(p.stopped).toEqual(['fenced:FENCED']);
  });

  it('keeps an append that landed past only older-epoch records', async () => {
    const p = partition({ gapHasClaim: false });
    const writer = await PartitionWriter.claim(p.config, 'node');
    p.keys.push('zombie-write');
    expect(await writer.append([record('mine')])).toEqual([2]);
    expect(await writer.append([record('next')])).toEqual([3]);
    expect(p.stopped).toEqual([]);
  });

  it('stops after a failed send, refusing what waits', async () => {
    const p = partition({ fail: (call) => call === 2 });
    const writer = await PartitionWriter.claim(p.config, 'node');
    const first = writer.append([record('a')]).catch((e: CoordinatorError) => e.code);
    expect(await first).toBe('CLOSED');
    await expect(writer.append([record('b')])).rejects.toMatchObject({ code: 'CLOSED' });
    expect(p.stopped).toEqual(['failed:CLOSED']);
  });

  it('refuses new appends after refuse() while the send in flight completes', async () => {
    const p = partition();
    const writer = await PartitionWriter.claim(p.config, 'node');
    const inFlight = writer.append([record('a')]);
    await new Promise((resolve) => setTimeout(resolve, 0));
    writer.refuse(new CoordinatorError('NOT_OWNER', 'revoked'));
    await expect(writer.append([record('b')])).rejects.toMatchObject({ code: 'NOT_OWNER' });
    expect(await inFlight).toEqual([1]);
    await writer.whenIdle();
    expect(p.stopped).toEqual([]);
  });
});
