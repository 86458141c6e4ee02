import { createHistogram, performance } from 'node:perf_hooks';
import { createNode, defineConfig } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { pino } from 'pino';
import { ownCpuSeconds } from '../test/support/cpu-usage.js';
import { defineNoOpOrderSaga } from '../test/support/no-op-order-saga.js';

const order = defineNoOpOrderSaga<{ n: number }>();

/**
 * A node in this process, silent, on the file log in `dataDir`, running the no-op order saga on
 * free ports; `values` are further node options.
 */
export function orderNode(dataDir: string, values: Readonly<Record<string, unknown>> = {}) {
  return createNode({
    config: defineConfig({ commands: [order], receiver: () => ({}) }),
    overrides: [
      {
        values: {
          dataDir,
          streamAddress: '127.0.0.1:0',
          httpAddress: '127.0.0.1:0',
          maxCmds: 100_000,
          ...values,
        },
      },
    ],
    logger: pino({ level: 'silent' }),
  });
}

/**
 * Completed `order` Commands per second (payload `{n}`) from `concurrency` submitters on one
 * stream connection for `seconds`, after a warm-up round; with p50/p99 and the CPU per Command of
 * this process (node and client, when the node runs in-process).
 */
export async function throughput(
  url: { host: string; port: number },
  concurrency: number,
  seconds: number,
) {
  const client = new StreamClient({ host: url.host, port: url.port, maxFrameBytes: 1 << 20 });
  await client.connect();
  const histogram = createHistogram();
  let completed = 0;
  let n = 0;
  const until = performance.now() + seconds * 1000;
  // Warm up briefly.
  await Promise.all(
    Array.from(
      { length: concurrency },
      () => client.submit({ type: 'order', payload: { n: n++ } }).result,
    ),
  );
  const started = performance.now();
  const cpuBefore = ownCpuSeconds();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const t0 = performance.now();
        const result = await client.submit({ type: 'order', payload: { n: n++ } }).result;
        if (result.state !== 'done') throw new Error(`not done: ${JSON.stringify(result)}`);
        histogram.record(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        completed += 1;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const cpuUsPerCommand = ((ownCpuSeconds() - cpuBefore) * 1e6) / Math.max(1, completed);
  await client.close();
  return {
    concurrency,
    completed,
    cpuUsPerCommand,
    commandsPerSecond: Math.round(completed / elapsed),
    p50Ms: histogram.percentile(50) / 1000,
    p99Ms: histogram.percentile(99) / 1000,
  };
}
