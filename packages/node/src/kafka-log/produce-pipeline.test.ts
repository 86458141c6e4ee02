import { describe, expect, it } from 'vitest';
import type { OutgoingMessage } from './partition-writer.js';
import { type PartitionAnswer, type PartitionSend, ProducePipeline } from './produce-pipeline.js';

function message(key: string): OutgoingMessage {
  return { key, value: Buffer.from(key) };
}

/** A broker of partitions as key lists; each request is held until the test releases it. */
function broker(options: { failing?: Set<number> } = {}) {
  const partitions = new Map<number, string[]>();
  const requests: string[][] = [];
  const releases: (() => void)[] = [];
  const pipeline = new ProducePipeline(async (sends: readonly PartitionSend[]) => {
    requests.push(sends.map((s) => `${s.partition}:${s.messages.map((m) => m.key).join(',')}`));
    await new Promise<void>((resolve) => releases.push(resolve));
    const answers = new Map<number, PartitionAnswer>();
    for (const { partition, messages } of sends) {
      if (options.failing?.has(partition)) {
        answers.set(partition, { error: new Error(`partition ${partition} refused`) });
        continue;
      }
      const keys = partitions.get(partition) ?? [];
      partitions.set(partition, keys);
      answers.set(partition, { base: keys.length });
      keys.push(...messages.map((m) => m.key));
    }
    return answers;
  });
  return {
    pipeline,
    requests,
    /** Waits until `count` requests were made. */
    async made(count: number) {
      while (requests.length < count) await new Promise((resolve) => setImmediate(resolve));
    },
    /** Waits until a request is in flight, then lets it answer. */
    async release() {
      while (releases.length === 0) await new Promise((resolve) => setImmediate(resolve));
      releases.shift()?.();
    },
  };
}

describe('ProducePipeline', () => {
  it('sends at once when idle and gathers every partition that asks meanwhile into the next request', async () => {
    const b = broker();
    const first = b.pipeline.send(0, () => [message('a')]);
    await b.release();
    expect(await first).toBe(0);
    const inFlight = b.pipeline.send(0, () => [message('b')]);
    await b.made(2);
    const queued = [1, 2, 3].map((p) => b.pipeline.send(p, () => [message(`x${p}`)]));
    await b.release();
    await b.release();
    expect(await inFlight).toBe(1);
    expect(await Promise.all(queued)).toEqual([0, 0, 0]);
    expect(b.requests).toEqual([['0:a'], ['0:b'], ['1:x1', '2:x2', '3:x3']]);
  });

  it('takes messages only when the request is built, and one send per partition per request', async () => {
    const b = broker();
    const blocker = b.pipeline.send(9, () => [message('z')]);
    await new Promise((resolve) => setImmediate(resolve));
    const pending = ['a'];
    const one = b.pipeline.send(1, () => pending.splice(0).map(message));
    const two = b.pipeline.send(1, () => [message('c')]);
    pending.push('b');
    await b.release();
    await b.release();
    await b.release();
    await blocker;
    expect([await one, await two]).toEqual([0, 2]);
    expect(b.requests).toEqual([['9:z'], ['1:a,b'], ['1:c']]);
  });

  it("settles each partition by its own answer: one partition's error fails only its send", async () => {
    const b = broker({ failing: new Set([2]) });
    const sends = [1, 2, 3].map((p) =>
      b.pipeline.send(p, () => [message(`m${p}`)]).catch((e: Error) => e.message),
    );
    await b.release();
    expect(await Promise.all(sends)).toEqual([0, 'partition 2 refused', 0]);
    expect(b.requests).toEqual([['1:m1', '2:m2', '3:m3']]);
  });

  it('resolves undefined when take gives nothing, without a request', async () => {
    const b = broker();
    expect(await b.pipeline.send(4, () => [])).toBeUndefined();
    expect(b.requests).toEqual([]);
  });
});
