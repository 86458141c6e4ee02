/**
 * `pnpm bench replay`: Outcomes replayed a second to a local no-op HTTP target (a child process
 * answering 200 at once, so each side has a core), by `replayOutcomes` with `httpTarget`, the
 * path `coordinator replay --to` sends through, at concurrency 1, 16 and 64 and no rate bound.
 * The Outcomes come from memory, so the figure is the sending side alone; reading them from a
 * node is the `outcomes` bench's. Rates are the median of short interleaved rounds. Prints a
 * table and writes `bench/results/replay.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { httpTarget, replayOutcomes } from '@coordinator/node';
import { SpawnedProcess } from '../test/support/spawn-process.js';
import { median } from './median.js';

const quick = process.env.BENCH_QUICK === '1';
const perRound = quick ? 2_000 : 10_000;
const rounds = quick ? 3 : 5;
const concurrencies = [1, 16, 64] as const;

const noOpTarget = `
const server = require('node:http').createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

function outcome(n: number) {
  return {
    cursor: String(n).padStart(10, '0'),
    commandId: `order-${n}`,
    type: 'order',
    step: 'charge',
    service: 'payments',
    idempotencyKey: `order-${n}:charge`,
    at: 1_764_664_800_000 + n,
    outcome: { service: 'payments', payment: `P-${n}`, amount: 40, key: `order-${n}:charge` },
    compensation: false,
  };
}

async function* outcomes(count: number) {
  for (let n = 0; n < count; n++) yield outcome(n);
}

async function round(url: string, concurrency: number): Promise<number> {
  const started = performance.now();
  const summary = await replayOutcomes({
    outcomes: outcomes(perRound),
    target: httpTarget(url, { timeoutMs: 10_000 }),
    concurrency,
    ratePerSecond: 0,
    retry: { initialDelayMs: 200, maxDelayMs: 10_000, maxAttempts: 8 },
    random: Math.random,
  });
  if (summary.sent !== perRound) throw new Error(`sent ${summary.sent} of ${perRound}`);
  return perRound / ((performance.now() - started) / 1000);
}

const child = new SpawnedProcess(process.execPath, ['-e', noOpTarget]);
try {
  const port = await child.waitForLine((line) => /^\d+$/.test(line), 10_000);
  const url = `http://127.0.0.1:${port}/rebuild`;
  await round(url, 16); // warm-up
  const rates = new Map<number, number[]>(concurrencies.map((c) => [c, []]));
  for (let r = 0; r < rounds; r++) {
    for (const c of concurrencies) rates.get(c)?.push(await round(url, c));
  }
  const results = concurrencies.map((concurrency) => ({
    concurrency,
    outcomesPerSecond: Math.round(median(rates.get(concurrency) ?? [])),
  }));
  console.log(
    `Outcomes replayed to a no-op HTTP target (${perRound} a round, median of ${rounds}):`,
  );
  console.table(results);
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'replay.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), quick, perRound, rounds, results }, null, 2)}\n`,
  );
} finally {
  await child.kill('SIGKILL');
}
