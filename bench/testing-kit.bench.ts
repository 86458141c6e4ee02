/**
 * `pnpm bench testing-kit`: the testing kit's two checks on virtual time. Prints how long
 * `checkEveryPath` takes on the example order saga (the first call in a fresh process, and the
 * median of the next ones) and how many schedules per second `checkRetrySemantics` runs on a
 * 3-step saga, in wall time and in the CPU time of the thread that runs them (what they take on a
 * core of their own: on a shared machine wall time also counts waiting for one, so the load
 * average is printed too); writes bench/results/testing-kit.json.
 * Targets (issue 13): every path under a second; at least 1,000 schedules/s.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { checkEveryPath, checkRetrySemantics } from '@coordinator/testing';
import { type OrderServices, orderSaga } from '../examples/order-saga/order-saga.js';

const quick = process.env.BENCH_QUICK === '1';
const rounds = quick ? 3 : 7;
const schedules = quick ? 1_000 : 3_000;

/** The example's three services in memory, answering a repeated key with its first answer. */
function services(): OrderServices {
  const service = () => {
    const answers = new Map<string, unknown>();
    return {
      async post(step: { idempotencyKey: string }, path: string, body: unknown) {
        if (!answers.has(step.idempotencyKey)) answers.set(step.idempotencyKey, { path, body });
        return answers.get(step.idempotencyKey);
      },
    };
  };
  return { inventory: service(), payments: service(), shipping: service() } as never;
}

const order = { sku: 'A-1', qty: 2, amount: 40 };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

interface Timing {
  readonly wallMs: number;
  readonly cpuMs: number;
}

/**
 * CPU seconds the main thread has used (its line in /proc, on Linux; elsewhere the whole
 * process's, compiler and GC threads included).
 */
function threadCpuSeconds(): number {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
}

/** Wall and CPU milliseconds of `work`. */
async function timed(work: () => Promise<unknown>): Promise<Timing> {
  const [wall, cpu] = [performance.now(), threadCpuSeconds()];
  await work();
  return { wallMs: performance.now() - wall, cpuMs: (threadCpuSeconds() - cpu) * 1000 };
}

async function everyPath() {
  const times: Timing[] = [];
  let report: Awaited<ReturnType<typeof checkEveryPath>> | undefined;
  for (let i = 0; i < rounds; i++) {
    times.push(
      await timed(async () => {
        report = await checkEveryPath(orderSaga, { receiver: services, payload: order });
      }),
    );
  }
  const [first = { wallMs: 0, cpuMs: 0 }, ...rest] = times;
  return {
    paths: report?.paths ?? 0,
    runs: report?.runs ?? 0,
    firstMs: Math.round(first.wallMs),
    firstCpuMs: Math.round(first.cpuMs),
    medianMs: Math.round(median(rest.map((t) => t.wallMs))),
    medianCpuMs: Math.round(median(rest.map((t) => t.cpuMs))),
  };
}

async function retrySemantics() {
  const options = { receiver: services, payload: order, numRuns: schedules };
  await checkRetrySemantics(orderSaga, { ...options, seed: 1, numRuns: 200 });
  const times: Timing[] = [];
  for (let i = 0; i < rounds; i++) {
    times.push(await timed(() => checkRetrySemantics(orderSaga, { ...options, seed: i + 2 })));
  }
  const rate = (ms: number) => Math.round(schedules / (ms / 1000));
  return {
    schedules,
    schedulesPerSecond: rate(median(times.map((t) => t.wallMs))),
    schedulesPerCpuSecond: rate(median(times.map((t) => t.cpuMs))),
  };
}

const paths = await everyPath();
const retries = await retrySemantics();
const load = loadavg().map((l) => Number(l.toFixed(2)));
const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
console.log(`load average ${load.join(' ')} while measuring`);
console.table([
  {
    check: `checkEveryPath(order saga): ${paths.paths} paths, ${paths.runs} runs`,
    'first call ms (cpu)': `${paths.firstMs} (${paths.firstCpuMs})`,
    'median ms (cpu)': `${paths.medianMs} (${paths.medianCpuMs})`,
  },
  {
    check: `checkRetrySemantics(3-step saga): ${retries.schedules} schedules x ${rounds}`,
    'schedules/s (per cpu s)': `${retries.schedulesPerSecond} (${retries.schedulesPerCpuSecond})`,
  },
]);
console.log(
  `every path under 1 s: ${verdict(paths.firstMs < 1000)} (first call ${paths.firstMs} ms, ${paths.firstCpuMs} ms of CPU; then ${paths.medianMs} ms)`,
);
console.log(
  `>= 1,000 schedules/s: ${verdict(retries.schedulesPerSecond >= 1000)} (${retries.schedulesPerSecond}/s; ${retries.schedulesPerCpuSecond} per CPU second)`,
);
const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'testing-kit.json');
mkdirSync(dirname(out), { recursive: true });
const node = process.version;
const result = { date: new Date().toISOString(), quick, node, load, rounds, paths, retries };
writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
