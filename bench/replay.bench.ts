/**
 * `pnpm bench replay`: Outcomes replayed a second to a local no-op HTTP target (a child process
 * answering 200 at once).
 * - sending: `replayOutcomes` with `httpTarget` (the path `coordinator replay --to` sends
 *   through) at concurrency 1, 16 and 64, no rate bound, Outcomes from memory: the sending side
 *   alone; the median of short interleaved rounds;
 * - end to end: a node (file log, the order saga's shape with no-op steps) holding N Commands'
 *   Outcomes, and `coordinator replay --service inventory --to <target> --rate 0` as a process
 *   reading them from the node's `GET /v1/outcomes` and sending them, timed by its own summary
 *   (`elapsedMs`, not counting the process's start).
 * Prints the figures and writes `bench/results/replay.json`.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { httpTarget, replayOutcomes } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { archivedOutcome } from '../test/support/archived-outcomes.js';
import { repoRoot, runToEnd, SpawnedProcess, tsxArgs } from '../test/support/spawn-process.js';
import { median } from './median.js';
import { orderNode } from './stream-load.js';

const quick = process.env.BENCH_QUICK === '1';
const perRound = quick ? 2_000 : 10_000;
const rounds = quick ? 3 : 5;
const concurrencies = [1, 16, 64] as const;
const commands = quick ? 3_000 : 20_000;

const noOpTarget = `
const server = require('node:http').createServer((request, response) => {
  request.resume();
  request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

async function* outcomes(count: number) {
  for (let n = 0; n < count; n++) yield archivedOutcome(n);
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

/** A node holding `commands` orders' Outcomes, and the CLI replaying inventory's from it. */
async function endToEnd(url: string) {
  const root = await mkdtemp(join(tmpdir(), 'coordinator-replay-bench-'));
  const node = orderNode(join(root, 'data'));
  try {
    const { stream, http } = await node.start();
    const client = new StreamClient({ host: stream.host, port: stream.port });
    await client.connect();
    let n = 0;
    await Promise.all(
      Array.from({ length: 128 }, async () => {
        while (n < commands) await client.submit({ type: 'order', payload: { n: n++ } }).result;
      }),
    );
    await client.close();
    const cli = join(repoRoot, 'packages/node/src/cli.ts');
    const args = ['replay', '--service', 'inventory', '--url', `http://${http.host}:${http.port}`];
    const flags = ['--to', url, '--rate', '0', '--concurrency', '64'];
    const run = await runToEnd(process.execPath, [
      ...tsxArgs,
      cli,
      ...args,
      ...flags,
      '--cursor-file',
      join(root, 'cursor.json'),
    ]);
    if (run.code !== 0) throw new Error(`replay failed: ${run.stderr}`);
    const summary = JSON.parse(run.stdout.trim().split('\n').at(-1) as string) as {
      sent: number;
      elapsedMs: number;
    };
    if (summary.sent !== commands) throw new Error(`replayed ${summary.sent} of ${commands}`);
    return {
      outcomes: summary.sent,
      seconds: summary.elapsedMs / 1000,
      outcomesPerSecond: Math.round(summary.sent / (summary.elapsedMs / 1000)),
    };
  } finally {
    await node.close();
    await rm(root, { recursive: true, force: true });
  }
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
    `Outcomes replayed to a no-op HTTP target (${perRound} a round, median of ${rounds}), sending alone:`,
  );
  console.table(results);
  const cli = await endToEnd(url);
  console.log(
    `coordinator replay end to end (read from a node, sent at concurrency 64): ${cli.outcomes} Outcomes in ${cli.seconds.toFixed(2)} s, ${cli.outcomesPerSecond}/s`,
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'replay.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ date: new Date().toISOString(), quick, perRound, rounds, results, endToEnd: cli }, null, 2)}\n`,
  );
} finally {
  await child.kill('SIGKILL');
}
