/**
 * `pnpm bench outcomes`: what keeping Outcomes for replay costs and how fast they read back.
 * - Recording: two nodes on the file log (fdatasync on) running the order-saga shape (3 no-op
 *   steps, so 3 Outcomes per Command), one with the outcome archive (`outcomeRetention: forever`),
 *   one without (`none`); Commands/s at concurrency 128, rounds alternating between them, medians.
 * - Reading: the archived Outcomes of one service through `GET /v1/outcomes` (pages of 1000, one
 *   request at a time), and raw from the archive (`FileLog.outcomes`), with the archive's open
 *   time (it scans every entry for the idempotency keys).
 * Outcome replay to a target is the replay bench's (`pnpm bench replay`).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type OutcomeRetention, retention } from '@coordinator/core';
import { FileLog, readOutcomes } from '@coordinator/node';
import { median } from './median.js';
import { orderNode, throughput } from './stream-load.js';

const quick = process.env.BENCH_QUICK === '1';
const seconds = quick ? 2 : 5;
const rounds = quick ? 3 : 5;

function startNode(dataDir: string, outcomeRetention: OutcomeRetention) {
  const node = orderNode(dataDir, { outcomeRetention });
  return { node, started: node.start() };
}

async function main() {
  const root = await mkdtemp(join(tmpdir(), 'coordinator-bench-outcomes-'));
  try {
    const kept = startNode(join(root, 'kept'), retention('forever'));
    const none = startNode(join(root, 'none'), retention('none'));
    const [keptAt, noneAt] = [await kept.started, await none.started];
    const withArchive: number[] = [];
    const without: number[] = [];
    const cpu = { with: [] as number[], without: [] as number[] };
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so a noisy neighbour hits both sides alike.
      const pair = [
        async () => {
          const r = await throughput(noneAt.stream, 128, seconds);
          without.push(r.commandsPerSecond);
          cpu.without.push(r.cpuUsPerCommand);
        },
        async () => {
          const r = await throughput(keptAt.stream, 128, seconds);
          withArchive.push(r.commandsPerSecond);
          cpu.with.push(r.cpuUsPerCommand);
        },
      ];
      if (round % 2 === 1) pair.reverse();
      for (const run of pair) await run();
    }
    await none.node.close();

    const target = { url: `http://${keptAt.http.host}:${keptAt.http.port}` };
    let viaApi = 0;
    const apiStarted = performance.now();
    for await (const _ of readOutcomes(target, { service: 'payments' })) viaApi++;
    const apiSeconds = (performance.now() - apiStarted) / 1000;
    await kept.node.close();

    const logOnlyStarted = performance.now();
    const logOnly = await FileLog.open({
      dir: join(root, 'kept'),
      outcomeRetention: retention('none'),
    });
    const logOnlyMs = performance.now() - logOnlyStarted;
    await logOnly.close();
    const openStarted = performance.now();
    const log = await FileLog.open({ dir: join(root, 'kept') });
    const openMs = performance.now() - openStarted;
    const reader = log.outcomes;
    let raw = 0;
    const rawStarted = performance.now();
    for (let after: string | undefined; reader; ) {
      const page = await reader.read({
        service: 'payments',
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      raw += page.items.length;
      if (!page.next) break;
      after = page.next;
    }
    const rawSeconds = (performance.now() - rawStarted) / 1000;
    const services = (await reader?.services())?.length ?? 0;
    await log.close();

    const cost = 1 - median(withArchive) / median(without);
    console.log(
      '\noutcomes: order saga (3 no-op steps: 3 Outcomes per Command), file log with fdatasync',
    );
    console.log(
      `recording Outcomes for replay: ${median(withArchive)} Commands/s at c128 with the archive, ${median(without)} without (medians of ${rounds} alternating rounds of ${seconds} s: costs ${(cost * 100).toFixed(1)}%; target < 10%: ${cost < 0.1 ? 'met' : 'NOT met'})`,
    );
    console.log(`  rounds with: ${withArchive.join(', ')}; without: ${without.join(', ')}`);
    const cpuCost = median(cpu.with) / median(cpu.without) - 1;
    console.log(
      `  CPU per Command in this process (node and load client): ${median(cpu.with).toFixed(0)} µs with the archive, ${median(cpu.without).toFixed(0)} µs without (+${(cpuCost * 100).toFixed(1)}%; steadier than Commands/s on a shared machine)`,
    );
    console.log(
      `reading: ${viaApi} Outcomes of payments through GET /v1/outcomes in ${apiSeconds.toFixed(2)} s: ${Math.round(viaApi / apiSeconds)} Outcomes/s (pages of 1000)`,
    );
    console.log(
      `  raw from the archive: ${raw} in ${rawSeconds.toFixed(2)} s: ${Math.round(raw / rawSeconds)} Outcomes/s; opening the log with ${raw * services} archived Outcomes (${services} services) took ${openMs.toFixed(0)} ms (${logOnlyMs.toFixed(0)} ms without opening the archive)`,
    );
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

await main();
