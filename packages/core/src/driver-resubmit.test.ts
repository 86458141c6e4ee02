import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { MemoryEventLog, settle } from './testing/index.js';

describe('resubmitting an id', () => {
  it('answers an equal resubmit with the existing Command, whatever the key order', async () => {
    const { driver, clock, log } = await harness();
    await driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'A1', qty: 2 } });
    await settle(driver, clock);
    const again = await driver.submit({ type: 'order', id: 'o-1', payload: { qty: 2, sku: 'A1' } });
    expect(again).toEqual({ id: 'o-1', state: 'done', existing: true });
    expect(log.all().filter((r) => r.kind === 'accepted')).toHaveLength(1);
  });

  it('refuses another payload or type under a known id with ID_CONFLICT, while running and once done, and across a restart', async () => {
    const { driver, clock, log, services } = await harness();
    services.script('o-1', 'charge', ['delayed']);
    await driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'A1' } });
    const conflict = { code: 'ID_CONFLICT', retryable: false };
    await expect(
      driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'B2' } }),
    ).rejects.toMatchObject({ ...conflict, message: expect.stringContaining('"o-1"') });
    await settle(driver, clock);
    await expect(
      driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'A1', extra: 1 } }),
    ).rejects.toMatchObject(conflict);
    const restarted = await harness({}, { log: log.reopen() });
    await expect(
      restarted.driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'B2' } }),
    ).rejects.toMatchObject(conflict);
    await expect(
      restarted.driver.submit({ type: 'order', id: 'o-1', payload: { sku: 'A1' } }),
    ).resolves.toMatchObject({ existing: true });
    expect(log.all().filter((r) => r.kind === 'accepted')).toHaveLength(1);
  });

  it('checks a concurrent resubmit against the first once it is durable', async () => {
    const { driver } = await harness();
    const first = driver.submit({ type: 'order', id: 'c-1', payload: { sku: 'A1' } });
    const second = driver.submit({ type: 'order', id: 'c-1', payload: { sku: 'Z9' } });
    await expect(first).resolves.toMatchObject({ existing: false });
    await expect(second).rejects.toMatchObject({ code: 'ID_CONFLICT' });
  });

  it('refuses ids that break the id rule before anything is written', async () => {
    const log = new MemoryEventLog();
    const { driver } = await harness({}, { log });
    for (const id of ['', 'a\nb', '\u0000', 'x'.repeat(257), 'lone\ud800']) {
      await expect(driver.submit({ type: 'order', id, payload: {} })).rejects.toMatchObject({
        code: 'INVALID_PAYLOAD',
      });
    }
    expect(log.all()).toEqual([]);
  });
});

describe('the timeline', () => {
  it('records the service and the error message of every wait and failure', async () => {
    const { driver, clock, services } = await harness();
    services.script('cmd-1', 'charge', ['delayed', 'fail']);
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    const view = driver.get(id);
    expect(view?.events).toContainEqual(
      expect.objectContaining({
        kind: 'delayed',
        step: 'charge',
        service: 'charge-service',
        code: 'DELAYED',
        message: 'charge unavailable',
      }),
    );
    expect(view?.events).toContainEqual(
      expect.objectContaining({ kind: 'failed', step: 'charge', message: 'charge refused' }),
    );
    expect(view?.lastError).toEqual({ code: 'DELAYED', message: 'charge unavailable' });
  });
});
