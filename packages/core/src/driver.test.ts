import { settle } from '@coordinator/core/testing';
import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';

describe('Driver', () => {
  it('runs a 3-step saga to its result, recording accepted, started, three outcomes and done', async () => {
    const { driver, log, clock } = await harness();
    const { id } = await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock);
    const view = driver.get(id);
    expect(view?.state).toBe('done');
    expect(view?.result).toEqual({
      reserve: `reserve@${id}`,
      charge: `charge@${id}`,
      ship: `ship@${id}`,
    });
    expect(log.all().map((r) => r.kind)).toEqual([
      'accepted',
      'started',
      'outcome',
      'outcome',
      'outcome',
      'done',
    ]);
  });
});
