/**
 * `pnpm bench node`: one node on the file log (fdatasync on) running the order-saga shape (3 steps,
 * no-op services in-process), driven over the stream protocol from this process.
 * Prints completed Commands/s and end-to-end p50/p99 at concurrency 1, 16 and 128, peak RSS, the
 * heap per parked (delayed) Command with 100,000 parked, and the time to recover them on restart.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { CoordinatorError, defineSaga } from '@coordinator/core';
import { createNode, defineConfig } from '@coordinator/node';
import { pino } from 'pino';
import { processCpuSeconds } from '../test/support/cpu-usage.js';
import { SpawnedProcess } from '../test/support/spawn-process.js';
import { median } from './median.js';
import { startupTimes } from './startup.js';
import { orderNode, throughput } from './stream-load.js';

const quick = process.env.BENCH_QUICK === '1';
const seconds = quick ? 2 : 5;
const parkedCount = quick ? 10_000 : 100_000;

/** Parks forever: its first step is always delayed. */
const parked = defineSaga<{ n: number }, unknown>({
  type: 'parked',
  steps: [
    {
      name: 'wait',
      service: 'inventory',
      run: async () => {
        throw CoordinatorError.delayed('always');
      },
    },
  ],
});

const silent = pino({ level: 'silent' });
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});

/** `count` clients in another process, each reading the node's live events until stopped. */
async function sseSubscribers(base: string, count: number) {
  // node:http rather than fetch: a lean reader, so the bench measures the node, not the client.
  const script = `
    const http = require('node:http');
    let bytes = 0;
    const requests = [];
    process.stdin.on('data', () => {
      for (const request of requests) request.destroy();
      process.stdout.write(String(bytes) + '\\n');
    });
    let open = 0;
    for (let i = 0; i < ${count}; i++) {
      const request = http.get('${base}/v1/events', (response) => {
        response.on('data', (chunk) => { bytes += chunk.length; });
        if (++open === ${count}) process.stdout.write('ready\\n');
      });
      request.on('error', () => {});
      requests.push(request);
    }
  `;
  const child = new SpawnedProcess(process.execPath, ['-e', script], { stdin: true });
  await child.waitForLine((line) => line === 'ready');
  const pid = child.child.pid as number;
  const cpuAtStart = processCpuSeconds(pid);
  return {
    /** CPU seconds the subscribers' process used since they connected. */
    cpuSeconds: () => processCpuSeconds(pid) - cpuAtStart,
    async stop() {
      child.send('stop');
      const line = await child.waitForLine((l) => /^\d+$/.test(l));
      await child.kill('SIGTERM');
      return { bytes: Number(line) };
    },
  };
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'coordinator-bench-'));
  const rows: Record<string, unknown>[] = [];
  try {
    const dataDir = join(root, 'run');
    const node = orderNode(dataDir);
    const { stream, http } = await node.start();
    for (const concurrency of [1, 16, 128]) {
      rows.push(await throughput(stream, concurrency, seconds));
    }
    // The same load with 10 live-event subscribers (another process reading /v1/events).
    // Rounds alternate without and with them, so a noisy neighbour hits both sides alike.
    const bare: number[] = [];
    const watched: number[] = [];
    const cpu = { bare: [] as number[], watched: [] as number[], subscribers: [] as number[] };
    let received = 0;
    for (let round = 0; round < 3; round++) {
      const without = await throughput(stream, 128, seconds);
      bare.push(without.commandsPerSecond);
      cpu.bare.push(without.cpuUsPerCommand);
      const watchers = await sseSubscribers(`http://${http.host}:${http.port}`, 10);
      const withThem = await throughput(stream, 128, seconds);
      watched.push(withThem.commandsPerSecond);
      cpu.watched.push(withThem.cpuUsPerCommand);
      cpu.subscribers.push((watchers.cpuSeconds() * 1e6) / withThem.completed);
      received += (await watchers.stop()).bytes;
    }
    await node.close();

    // Parked Commands: heap per Command, then recovery time on restart.
    const parkDir = join(root, 'parked');
    await mkdir(parkDir, { recursive: true });
    const config = defineConfig({ commands: [parked], receiver: () => ({}) });
    const values = {
      dataDir: parkDir,
      streamAddress: '127.0.0.1:0',
      httpAddress: '127.0.0.1:0',
      maxCmds: parkedCount * 2,
      slowRetryIntervalMs: 3_600_000,
      jitterMs: 0,
    };
    const parkNode = createNode({
      config,
      overrides: [{ values }],
      logger: silent,
    });
    await parkNode.start();
    gc();
    const before = process.memoryUsage().heapUsed;
    const driver = parkNode.driver;
    for (let i = 0; i < parkedCount; i += 1000) {
      await Promise.all(
        Array.from({ length: Math.min(1000, parkedCount - i) }, (_, j) =>
          driver.submit({ type: 'parked', payload: { n: i + j } }),
        ),
      );
    }
    await driver.idle();
    gc();
    const perParked = (process.memoryUsage().heapUsed - before) / parkedCount;
    const parkedStatus = driver.status();
    await parkNode.close();

    const restarted = createNode({
      config,
      overrides: [{ values }],
      logger: silent,
    });
    const t0 = performance.now();
    await restarted.start();
    const recoveryMs = performance.now() - t0;
    const recovered = restarted.driver.status().inFlight;
    await restarted.close();

    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    const startup = await startupTimes(quick ? 3 : 10);
    console.log(
      '\nnode: order saga (3 no-op steps), file log with fdatasync, stream protocol client in-process',
    );
    console.log('concurrency | Commands/s | p50 ms | p99 ms');
    for (const r of rows) {
      console.log(
        `${String(r.concurrency).padStart(11)} | ${String(r.commandsPerSecond).padStart(10)} | ${(r.p50Ms as number).toFixed(2).padStart(6)} | ${(r.p99Ms as number).toFixed(2).padStart(6)}`,
      );
    }
    console.log(`peak RSS: ${peakRssMb.toFixed(0)} MB`);
    console.log(
      `parked: ${parkedStatus.inFlight} delayed Commands, ${perParked.toFixed(0)} bytes of heap each (target < 2048)`,
    );
    console.log(
      `recovery: ${recovered} unfinished Commands in ${recoveryMs.toFixed(0)} ms (target < 5000)`,
    );
    const js = startup['startup.config.mjs'];
    const ts = startup['startup.config.ts'];
    console.log(
      `start-up (compiled CLI to /readyz 200, empty file log): ${js?.medianMs} ms median, ${js?.maxMs} ms worst with a .mjs config; ${ts?.medianMs} / ${ts?.maxMs} ms with a .ts config (target < 300)`,
    );
    const c128 = rows.find((r) => r.concurrency === 128);
    const c1 = rows.find((r) => r.concurrency === 1);
    const sseRatio = median(watched) / median(bare);
    console.log(
      `with 10 SSE subscribers: ${median(watched)} Commands/s at c128 against ${median(bare)} without (medians of 3 alternating rounds: ${(sseRatio * 100).toFixed(0)}%; target >= 90%); subscribers received ${(received / 1e6).toFixed(1)} MB`,
    );
    console.log(
      `  CPU per Command in the node's process (node and load client): ${median(cpu.bare).toFixed(0)} µs without, ${median(cpu.watched).toFixed(0)} µs with them; the subscribers' own process: ${median(cpu.subscribers).toFixed(0)} µs (on this 2-core box it competes with the node)`,
    );
    console.log(
      `targets: >= 5000/s at c128: ${(c128?.commandsPerSecond as number) >= 5000 ? 'met' : 'NOT met'}; p50 < 2 ms at c1: ${(c1?.p50Ms as number) < 2 ? 'met' : 'NOT met'}; < 2 KB parked: ${perParked < 2048 ? 'met' : 'NOT met'}; recovery < 5 s: ${recoveryMs < 5000 ? 'met' : 'NOT met'}; start-up < 300 ms: ${(js?.medianMs ?? Number.POSITIVE_INFINITY) < 300 ? 'met' : 'NOT met'}; SSE within 10%: ${sseRatio >= 0.9 ? 'met' : 'NOT met'}`,
    );
    await mkdir(new URL('./results/', import.meta.url), { recursive: true });
    await writeFile(
      new URL('./results/node.json', import.meta.url),
      `${JSON.stringify({ date: new Date().toISOString(), quick, throughput: rows, peakRssMb, parked: parkedStatus.inFlight, bytesPerParked: perParked, recoveryMs, recovered, startup, sse: { subscribers: 10, withoutPerSecond: bare, withPerSecond: watched, ratio: sseRatio, cpuUsPerCommand: cpu } }, null, 2)}\n`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
