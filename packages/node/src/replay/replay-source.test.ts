import { type ArchivedOutcome, CoordinatorError, type OutcomePage } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { archivedOutcome } from '../../../../test/support/archived-outcomes.js';
import { replaySource } from './replay-source.js';

const all = Array.from({ length: 10 }, (_, n) => archivedOutcome(n));

const retention = { complete: true, oldest: { cursor: '000000', at: 0 } };

/**
 * Pages of three after a cursor, as `GET /v1/outcomes` answers; `failures` says which reads (by
 * their number, from 0) throw what instead.
 */
function node(failures: ReadonlyMap<number, unknown> = new Map()) {
  const reads: (string | undefined)[] = [];
  const pages = async function* (after: string | undefined): AsyncGenerator<OutcomePage> {
    let from = after;
    for (;;) {
      const read = reads.length;
      reads.push(from);
      if (failures.has(read)) throw failures.get(read);
      const items = all.filter((o) => from === undefined || o.cursor > from).slice(0, 3);
      const last = items.at(-1);
      yield { items, next: last && last !== all.at(-1) ? last.cursor : null, retention };
      if (!last || last === all.at(-1)) return;
      from = last.cursor;
    }
  };
  return { pages, reads };
}

async function collect(source: AsyncIterable<ArchivedOutcome>) {
  const got: ArchivedOutcome[] = [];
  for await (const o of source) got.push(o);
  return got;
}

const retry = { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 };

describe('replaySource', () => {
  it('hands out every Outcome after the cursor once, in order, page by page', async () => {
    const { pages, reads } = node();
    const told: unknown[] = [];
    const source = replaySource({
      pages,
      after: '000002',
      retry,
      random: () => 0.5,
      onRetention: (r) => told.push(r),
    });
    expect(await collect(source)).toEqual(all.slice(3));
    expect(reads).toEqual(['000002', '000005', '000008']);
    expect(told).toEqual([retention]);
  });

  it('reads again from the last Outcome handed out after a retryable refusal', async () => {
    const lost = new CoordinatorError('CONNECTION_LOST', 'No node answers');
    const { pages, reads } = node(
      new Map([
        [2, lost],
        [3, lost],
      ]),
    );
    const retries: number[] = [];
    const source = replaySource({
      pages,
      after: undefined,
      retry,
      random: () => 0,
      onRetry: (_, delayMs) => retries.push(delayMs),
    });
    expect(await collect(source)).toEqual(all);
    expect(reads).toEqual([undefined, '000002', '000005', '000005', '000005', '000008']);
    expect(retries).toHaveLength(2);
  });

  it('throws a refusal that is not retryable, or one past maxAttempts tries', async () => {
    const refused = new CoordinatorError('UNAUTHORIZED', 'no token');
    await expect(
      collect(
        replaySource({
          pages: node(new Map([[0, refused]])).pages,
          after: undefined,
          retry,
          random: Math.random,
        }),
      ),
    ).rejects.toBe(refused);
    const lost = new CoordinatorError('NOT_READY', 'recovering');
    const always = new Map([0, 1, 2, 3, 4].map((n) => [n, lost]));
    const { pages, reads } = node(always);
    await expect(
      collect(replaySource({ pages, after: undefined, retry, random: Math.random })),
    ).rejects.toBe(lost);
    expect(reads).toHaveLength(3);
  });
});
