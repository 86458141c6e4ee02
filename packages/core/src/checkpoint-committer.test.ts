import { describe, expect, it } from 'vitest';
import { harness } from '../test-support/harness.js';
import { orderPartition } from '../test-support/scripted.js';
import { settle } from './testing/index.js';

describe('the checkpoint committer', () => {
  it('carries parked Commands forward in snapshots so the checkpoint passes their old records', async () => {
    const { driver, log, clock, services } = await harness({
      snapshotAfterRecords: 5,
      checkpointIntervalMs: 100,
      slowRetryIntervalMs: 1000,
    });
    services.script('cmd-1', 'reserve', Array(20).fill('delayed'));
    await driver.submit({ type: 'order', payload: { sku: 'A1' } });
    await settle(driver, clock, 8_000);
    const partition = orderPartition();
    const checkpoint = await log.loadCheckpoint(partition);
    expect(checkpoint).toBeGreaterThan(0);
    expect(log.records(partition)[checkpoint]?.record.kind).toBe('snapshot');
    // A node recovering from the checkpoint rebuilds the Command from its snapshot.
    const next = await harness({}, { log: log.cut(partition, log.records(partition).length) });
    expect(next.driver.get('cmd-1')).toMatchObject({
      state: 'delayed',
      attempts: driver.get('cmd-1')?.attempts,
    });
    await settle(next.driver, next.clock);
    expect(next.driver.get('cmd-1')?.state).toBe('done');
  });
});
