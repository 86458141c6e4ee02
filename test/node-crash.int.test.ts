/**
 * Crash safety: a node under a load of 2,000 order sagas against services that fail 20% of calls
 * (timeouts or 503s) is SIGKILLed at random moments and restarted. Every acknowledged Command ends
 * done exactly once, no step runs again after its Outcome is durable, and every compensation
 * matches a completed step. The kill moments come from the seed in the test's name;
 * TEST_SEED=<seed> replays them.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { LogRecord } from '@coordinator/core';
import { FileLog } from '@coordinator/node';
import { afterAll, expect, it } from 'vitest';
import {
  type OrderServiceSet,
  serviceEnv,
  startServices,
} from '../examples/order-saga/services.js';
import {
  getCommand,
  type NodeProcess,
  startNode,
  submit,
  tempDir,
} from './support/node-process.js';
import { seededRandom, testSeed } from './support/test-seed.js';
import { waitFor } from './support/wait-for.js';

const total = Number(process.env.COORDINATOR_CRASH_COMMANDS ?? 2000);
const kills = Number(process.env.COORDINATOR_CRASH_KILLS ?? 5);
let services: OrderServiceSet | undefined;
let current: NodeProcess | undefined;

afterAll(async () => {
  await current?.kill('SIGKILL');
  await Promise.all(Object.values(services ?? {}).map((s) => s.close()));
});

it(`keeps every acknowledged Command exactly once through ${kills} SIGKILLs under load (seed ${testSeed})`, async () => {
  services = await startServices({ anyPort: true });
  for (const s of Object.values(services)) {
    s.mode = 'flaky';
    s.failRate = 0.2;
    s.slowMs = 600;
  }
  const env = {
    ...serviceEnv(services),
    SERVICE_TIMEOUT_MS: '300',
    BREAKER_FAILURES: '100000',
    COORDINATOR_LOG_LEVEL: 'info',
  };
  const dataDir = await tempDir('coordinator-crash-');
  const start = async () => {
    current = await startNode({
      dataDir,
      env,
      args: ['--slow-retry-interval', '200', '--jitter', '50', '--max-cmds', '100000'],
    });
    return current;
  };
  await start();

  // Load: 32 clients submit ids crash-0..N-1; a refused or lost submit is resubmitted with its id.
  const acknowledged = new Set<string>();
  let next = 0;
  const client = async () => {
    for (let i = next++; i < total; i = next++) {
      const id = `crash-${i}`;
      const sku = i % 10 === 0 ? `NOSHIP-${i}` : `SKU-${i}`;
      for (;;) {
        const url = current?.url;
        const answer = url
          ? await submit(url, { type: 'order', id, payload: { sku, qty: 1, amount: 10 } }).catch(
              () => undefined,
            )
          : undefined;
        if (answer && (answer.status === 202 || answer.status === 200)) {
          acknowledged.add(id);
          break;
        }
        if (answer && answer.status !== 503)
          throw new Error(`submit ${id}: ${JSON.stringify(answer.body)}`);
        await sleep(50);
      }
    }
  };
  const load = Promise.all(Array.from({ length: 32 }, client));

  // Kill at random moments while the load runs (and after, if it finished first).
  const random = seededRandom();
  let killed = 0;
  while (killed < kills) {
    await sleep(400 + random.next() * 1600);
    await current?.kill('SIGKILL');
    killed += 1;
    current = undefined;
    await start();
  }
  await load;
  expect(acknowledged.size).toBe(total);

  // Everything acknowledged finishes on the last node.
  const node = current as NodeProcess;
  await waitFor(
    'every Command to finish',
    async () => {
      const response = await fetch(`${node.url}/readyz`);
      const status = (await response.json()) as {
        inFlight?: number;
        detail?: { inFlight?: number };
      };
      return (status.detail?.inFlight ?? status.inFlight) === 0 ? true : undefined;
    },
    240_000,
    500,
  );
  const sample = await getCommand(node.url, 'crash-0');
  expect(sample.body).toMatchObject({ state: 'done', error: { code: 'STEP_FAILED' } });
  await node.kill('SIGTERM');

  const log = await FileLog.open({ dir: dataDir });
  const records: LogRecord[] = [];
  for (let partition = 0; partition < 16; partition++) {
    for await (const batch of log.read(partition, 0)) records.push(...batch.map((b) => b.record));
  }
  await log.close();

  const done = new Map<string, number>();
  const outcomeAt = new Map<string, number>();
  const completed = new Map<string, string[]>();
  const compensated = new Map<string, string[]>();
  for (const r of records) {
    if (r.kind === 'done') done.set(r.id, (done.get(r.id) ?? 0) + 1);
    if (r.kind === 'outcome' || r.kind === 'failed') {
      const key = `${r.id}:${r.step}`;
      if (r.kind === 'outcome') {
        expect(outcomeAt.has(key), `two Outcomes for ${key}`).toBe(false);
        outcomeAt.set(key, r.at);
      }
      const target = r.step.startsWith('compensate:') ? compensated : completed;
      if (r.kind === 'outcome' || r.step.startsWith('compensate:')) {
        target.set(r.id, [...(target.get(r.id) ?? []), r.step.replace('compensate:', '')]);
      }
    }
  }
  for (const id of acknowledged) expect(done.get(id), `done records of ${id}`).toBe(1);
  expect(done.size).toBe(total);

  // No call for a step arrived after its Outcome was recorded (a re-run would).
  let calls = 0;
  for (const service of Object.values(services)) {
    for (const call of service.history) {
      calls += 1;
      const at = outcomeAt.get(call.key);
      if (at !== undefined)
        expect(call.at, `call for ${call.key} after its Outcome`).toBeLessThanOrEqual(at);
    }
  }
  // Every compensation undoes a completed step, in reverse order, once.
  let sagasCompensated = 0;
  for (const [id, undone] of compensated) {
    sagasCompensated += 1;
    const steps = (completed.get(id) ?? []).filter((s) => s !== 'ship');
    expect(undone).toEqual([...steps].reverse());
  }
  expect(sagasCompensated).toBe(total / 10);
  console.log(
    `crash test: ${total} Commands, ${killed} SIGKILLs, ${records.length} records, ${calls} service calls, ${sagasCompensated} compensated sagas (seed ${testSeed})`,
  );
});
