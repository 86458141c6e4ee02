import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord, OutcomePage, OutcomeRecord } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { fileLogFixture } from '../../test-support/file-log-fixture.js';
import type { FileLog } from './file-log.js';

const logs = fileLogFixture('outcome-archive');

function outcome(
  id: string,
  step: string,
  service: string,
  at = 1000,
  extra: Partial<OutcomeRecord> = {},
): OutcomeRecord {
  return {
    v: 1,
    kind: 'outcome',
    id,
    at,
    step,
    service,
    outcome: { paid: id },
    type: 'order',
    ...extra,
  };
}

const accepted = (id: string): LogRecord => ({
  v: 1,
  kind: 'accepted',
  id,
  at: 1,
  type: 'order',
  payload: {},
});

async function page(
  log: FileLog,
  service: string,
  query: { after?: string; since?: number; limit?: number } = {},
): Promise<OutcomePage> {
  const reader = log.outcomes;
  if (!reader) throw new Error('no archive');
  return reader.read({ service, limit: 100, ...query });
}

describe('the outcome archive', () => {
  it('keeps each service its Outcomes in log order, with the fields replay needs', async () => {
    const log = await logs.open();
    await log.append(0, [accepted('a'), outcome('a', 'charge', 'payments')]);
    await log.append(1, [outcome('b', 'reserve', 'inventory', 2000)]);
    await log.append(0, [
      outcome('a', 'compensate:charge', 'payments', 3000, { compensation: true }),
    ]);
    const payments = await page(log, 'payments');
    expect(payments.items).toEqual([
      {
        cursor: '0',
        commandId: 'a',
        type: 'order',
        step: 'charge',
        service: 'payments',
        idempotencyKey: 'a:charge',
        at: 1000,
        outcome: { paid: 'a' },
        compensation: false,
      },
      expect.objectContaining({ cursor: '1', step: 'compensate:charge', compensation: true }),
    ]);
    expect(payments.next).toBeNull();
    expect(payments.retention).toEqual({ complete: true, oldest: { cursor: '0', at: 1000 } });
    expect((await page(log, 'inventory')).items.map((i) => i.commandId)).toEqual(['b']);
    expect(await log.outcomes?.services()).toEqual(
      expect.arrayContaining(['payments', 'inventory']),
    );
  });

  it('pages by cursor and limit, and filters by time', async () => {
    const log = await logs.open();
    for (let i = 0; i < 7; i++) await log.append(i % 2, [outcome(`c${i}`, 's', 'svc', i * 10)]);
    const first = await page(log, 'svc', { limit: 3 });
    expect(first.items.map((i) => i.commandId)).toEqual(['c0', 'c1', 'c2']);
    expect(first.next).toBe('2');
    const second = await page(log, 'svc', { after: first.next ?? '', limit: 3 });
    expect(second.items.map((i) => i.commandId)).toEqual(['c3', 'c4', 'c5']);
    const last = await page(log, 'svc', { after: second.next ?? '', limit: 3 });
    expect(last.items.map((i) => i.commandId)).toEqual(['c6']);
    expect(last.next).toBeNull();
    const since = await page(log, 'svc', { since: 45 });
    expect(since.items.map((i) => i.commandId)).toEqual(['c5', 'c6']);
    expect((await page(log, 'svc', { after: '99' })).items).toEqual([]);
  });

  it('refuses a cursor it did not make with INVALID_CURSOR naming the parameter', async () => {
    const log = await logs.open();
    await expect(page(log, 'svc', { after: 'abc' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
      message: expect.stringContaining('`after`'),
    });
  });

  it('keeps one entry per idempotency key', async () => {
    const log = await logs.open();
    await log.append(0, [outcome('a', 'charge', 'payments', 1)]);
    await log.append(0, [outcome('a', 'charge', 'payments', 2)]);
    await log.append(0, [outcome('b', 'charge', 'payments', 3)]);
    const items = (await page(log, 'payments')).items;
    expect(items.map((i) => [i.idempotencyKey, i.at])).toEqual([
      ['a:charge', 1],
      ['b:charge', 3],
    ]);
  });

  it('survives a reopen, and archives again from the log what the manifest did not cover', async () => {
    let log = await logs.open();
    await log.append(0, [outcome('a', 's', 'svc')]);
    await log.append(3, [outcome('b', 's', 'svc')]);
    await logs.close(log);
    // As if the process died after the log's write, before the archive's manifest.
    for (const slot of ['manifest.0', 'manifest.1'])
      await rm(join(logs.dir, 'outcomes', slot), { force: true });
    log = await logs.open();
    expect((await page(log, 'svc')).items.map((i) => i.commandId)).toEqual(['a', 'b']);
    await log.append(0, [outcome('c', 's', 'svc')]);
    await logs.close(log);
    log = await logs.open();
    expect((await page(log, 'svc')).items.map((i) => [i.cursor, i.commandId])).toEqual([
      ['0', 'a'],
      ['1', 'b'],
      ['2', 'c'],
    ]);
  });

  it('keeps Outcomes readable after checkpoints let the log delete its segments', async () => {
    const log = await logs.open({ segmentBytes: 256, retainSegments: 'from-checkpoint' });
    for (let i = 0; i < 40; i++)
      await log.append(0, [accepted(`c${i}`), outcome(`c${i}`, 's', 'svc')]);
    await log.outcomes?.read({ service: 'svc', limit: 1 });
    await log.commitCheckpoint(0, 80);
    expect(logs.events.some((e) => e.type === 'file-log.segment-deleted')).toBe(true);
    const items = (await page(log, 'svc', { limit: 1000 })).items;
    expect(items).toHaveLength(40);
    expect(items[0]?.commandId).toBe('c0');
  });

  it('drops the oldest Outcomes past a size retention and says from where it is complete', async () => {
    const log = await logs.open({
      archiveSegmentBytes: 200,
      outcomeRetention: { kind: 'size', bytes: 600 },
    });
    for (let i = 0; i < 60; i++) {
      await log.append(0, [outcome(`c${i}`, 's', 'svc', i)]);
      await page(log, 'svc', { limit: 1 }); // one archive write per Outcome
    }
    const { items, retention } = await page(log, 'svc', { limit: 1000 });
    expect(items.at(-1)?.commandId).toBe('c59');
    expect(items.length).toBeLessThan(60);
    expect(retention.complete).toBe(false);
    expect(retention.oldest).toEqual({ cursor: items[0]?.cursor, at: items[0]?.at });
    expect(logs.events.some((e) => e.type === 'file-log.outcomes-dropped')).toBe(true);
  });

  it('archives nothing for a service whose retention is none', async () => {
    const log = await logs.open({ outcomeRetentionByService: { cache: { kind: 'none' } } });
    await log.append(0, [outcome('a', 's', 'cache'), outcome('a', 't', 'payments')]);
    expect(await page(log, 'cache')).toEqual({
      items: [],
      next: null,
      retention: { complete: false, oldest: null },
    });
    expect((await page(log, 'payments')).items).toHaveLength(1);
  });

  it('has no archive when every retention is none', async () => {
    const log = await logs.open({ outcomeRetention: { kind: 'none' } });
    await log.append(0, [outcome('a', 's', 'svc')]);
    expect(log.outcomes).toBeUndefined();
    expect(await readdir(logs.dir)).not.toContain('outcomes');
  });
});
