/**
 * How long the compiled CLI takes from process start to `/readyz` 200 on an empty file log: the
 * `coordinator` bin (packages/node/bin, running dist/cli.js) with the configs in bench/fixtures.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { freePort } from '../test/support/free-port.js';
import { repoRoot, SpawnedProcess } from '../test/support/spawn-process.js';
import { median } from './median.js';

const bin = join(repoRoot, 'packages/node/bin/coordinator.js');

async function once(config: string): Promise<number> {
  const dataDir = await mkdtemp(join(tmpdir(), 'coordinator-startup-'));
  const port = await freePort();
  const started = performance.now();
  const node = new SpawnedProcess(process.execPath, [
    bin,
    'start',
    '--config',
    config,
    '--data-dir',
    dataDir,
    '--http',
    `127.0.0.1:${port}`,
    '--stream',
    '127.0.0.1:0',
    '--log-level',
    'warn',
  ]);
  try {
    for (;;) {
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ready) return performance.now() - started;
      if (performance.now() - started > 30_000) throw new Error(`${config}: not ready in 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  } finally {
    await node.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The median and worst of `runs` starts with each fixture config, in ms. */
export async function startupTimes(runs: number) {
  const results: Record<string, { medianMs: number; maxMs: number }> = {};
  for (const name of ['startup.config.mjs', 'startup.config.ts']) {
    const config = join(repoRoot, 'bench/fixtures', name);
    await once(config);
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await once(config));
    results[name] = {
      medianMs: Math.round(median(times)),
      maxMs: Math.round(Math.max(...times)),
    };
  }
  return results;
}
