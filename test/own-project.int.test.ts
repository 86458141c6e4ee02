/**
 * coordinator used from a project of one's own (issue 11): the workspace packed with `pnpm pack`,
 * the tarballs installed with plain `npm` in a directory outside the repository, a TypeScript
 * config and saga type-checked with plain `tsc` and run by the installed bin, the saga checked by
 * the installed testing kit (issue 13) with no test runner; and the same for a project made by
 * `coordinator init`, whose own tests use the kit.
 */
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listening } from './support/free-port.js';
import { repoRoot, runToEnd, SpawnedProcess } from './support/spawn-process.js';

let packs: string;
let service: Server;
let serviceUrl: string;
const started: SpawnedProcess[] = [];

/** Runs a command to its end in `cwd`; fails the test with its output if it does not exit 0. */
async function run(cwd: string, command: string, ...args: string[]): Promise<string> {
  const result = await runToEnd(command, args, { cwd, env: { npm_config_loglevel: 'error' } });
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code} in ${cwd}:\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result.stdout;
}

/** Starts the installed bin in `cwd`; resolves once it logs that it is ready, with its HTTP URL. */
async function startInstalled(cwd: string, args: string[], env: Record<string, string> = {}) {
  const node = new SpawnedProcess(join(cwd, 'node_modules/.bin/coordinator'), ['start', ...args], {
    cwd,
    env,
  });
  started.push(node);
  const line = await node.waitForLine((l) => / ready: /.test(l), 60_000);
  const { http } = JSON.parse(line) as { http: { port: number } };
  return { node, url: `http://127.0.0.1:${http.port}`, port: http.port };
}

async function order(url: string, payload: unknown) {
  const response = await fetch(`${url}/v1/commands?wait=15000`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'order', payload }),
  });
  return (await response.json()) as { state: string; result?: unknown; error?: unknown };
}

/** A tarball for every package of the workspace that is not private. */
async function publishedTarballs(): Promise<string[]> {
  const names: string[] = [];
  for (const dir of await readdir(join(repoRoot, 'packages'))) {
    const manifest = JSON.parse(
      await readFile(join(repoRoot, 'packages', dir, 'package.json'), 'utf8'),
    ) as { name: string; version: string; private?: boolean };
    if (!manifest.private)
      names.push(`${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
  }
  return names.sort();
}

beforeAll(async () => {
  packs = await mkdtemp(join(tmpdir(), 'coordinator-packs-'));
  await run(repoRoot, 'pnpm', '-r', 'pack', '--pack-destination', packs);
  // One small HTTP service that answers every path, as both of a saga's services.
  service = createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ ok: true, path: request.url }));
    });
  });
  await new Promise<void>((resolve) => service.listen(0, '127.0.0.1', resolve));
  serviceUrl = `http://127.0.0.1:${(service.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  await Promise.all(started.map((n) => n.kill('SIGKILL')));
  service?.close();
});

describe('a project of its own', () => {
  it('installs the packed tarballs with npm, type-checks a TypeScript config with plain tsc, and runs it with the installed bin', async () => {
    const tarballs = (await readdir(packs)).filter((f) => f.endsWith('.tgz'));
    expect(tarballs.sort()).toEqual(await publishedTarballs());
    const dir = await mkdtemp(join(tmpdir(), 'coordinator-own-'));
    expect(dir.startsWith(repoRoot)).toBe(false);
    await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'own', type: 'module' }));
    await run(
      dir,
      'npm',
      'install',
      '--no-audit',
      '--no-fund',
      ...tarballs.map((t) => join(packs, t)),
      'typescript@6.0.3',
      '@types/node@20.19.43',
    );
    await mkdir(join(dir, 'src'));
    await writeFile(
      join(dir, 'src/order.ts'),
      `import { defineSaga } from '@coordinator/core';
import type { HttpService } from '@coordinator/transport';

export interface Services { readonly shop: HttpService }

export const orderSaga = defineSaga<{ sku: string }, Services>({
  type: 'order',
  steps: [
    { name: 'reserve', service: 'shop', run: (s, p, step) => s.shop.post(step, '/reserve', p) },
    { name: 'charge', service: 'shop', run: (s, p, step) => s.shop.post(step, '/charge', p) },
  ],
});
`,
    );
    await writeFile(
      join(dir, 'coordinator.config.ts'),
      `import { defineConfig } from '@coordinator/node';
import { httpService } from '@coordinator/transport';
import { orderSaga, type Services } from './src/order.js';

export default defineConfig<Services>({
  commands: [orderSaga],
  receiver: () => ({ shop: httpService(process.env.SHOP_URL ?? 'http://127.0.0.1:1') }),
});
`,
    );
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2023',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        include: ['coordinator.config.ts', 'src', 'check.ts'],
      }),
    );
    // The testing kit from its tarball (npm installs its fast-check peer), run by a plain script.
    await writeFile(
      join(dir, 'check.ts'),
      `import type { HttpService } from '@coordinator/transport';
import { checkEveryPath, checkRetrySemantics } from '@coordinator/testing';
import { orderSaga, type Services } from './src/order.js';

function shop(): Services {
  const answers = new Map<string, unknown>();
  const post = async (step: { idempotencyKey: string }, path: string) => {
    if (!answers.has(step.idempotencyKey)) answers.set(step.idempotencyKey, { path });
    return answers.get(step.idempotencyKey);
  };
  return { shop: { post } as unknown as HttpService };
}

const paths = await checkEveryPath(orderSaga, { receiver: shop, payload: { sku: 'A-1' } });
const schedules = await checkRetrySemantics(orderSaga, { receiver: shop, payload: { sku: 'A-1' }, numRuns: 50 });
console.log(JSON.stringify({ paths: paths.runs, operator: paths.operator, missed: paths.transitions.missed, schedules: schedules.runs, cancels: schedules.operator.cancel > 0 }));
`,
    );
    await run(dir, join(dir, 'node_modules/.bin/tsc'), '-p', '.');
    expect(JSON.parse(await run(dir, join(dir, 'node_modules/.bin/tsx'), 'check.ts'))).toEqual({
      paths: 29 + 31,
      operator: { cancel: 12, retryNow: 19 },
      missed: [],
      schedules: 50,
      cancels: true,
    });
    const { node, url, port } = await startInstalled(
      dir,
      ['--data-dir', './data', '--http', '127.0.0.1:0', '--stream', '127.0.0.1:0'],
      { SHOP_URL: serviceUrl },
    );
    expect(await readdir(dir)).toContain('data');
    expect(await order(url, { sku: 'A-1' })).toMatchObject({
      state: 'done',
      result: { reserve: { path: '/reserve' }, charge: { path: '/charge' } },
    });
    expect(await node.kill('SIGTERM')).toBe(0);
    expect(node.stdout).toContain('node node-1 stopped');
    expect(await listening(port)).toBe(false);
  });

  it('coordinator init makes a project whose own tests pass and whose node starts', async () => {
    const boot = await mkdtemp(join(tmpdir(), 'coordinator-boot-'));
    await writeFile(join(boot, 'package.json'), JSON.stringify({ name: 'boot', type: 'module' }));
    const tarballs = (await readdir(packs)).map((t) => join(packs, t));
    await run(boot, 'npm', 'install', '--no-audit', '--no-fund', ...tarballs);
    await run(boot, 'npx', 'coordinator', 'init', 'my-app', '--from', packs);
    const app = join(boot, 'my-app');
    expect((await readdir(app)).sort()).toEqual([
      '.gitignore',
      'README.md',
      'coordinator.config.ts',
      'dev-services.mjs',
      'package.json',
      'src',
      'test',
      'tsconfig.json',
    ]);
    await run(app, 'npm', 'install', '--no-audit', '--no-fund');
    expect(await run(app, 'npm', 'test')).toMatch(/6 passed/);
    await run(app, 'npm', 'run', 'typecheck');
    const { node, url } = await startInstalled(
      app,
      ['--http', '127.0.0.1:0', '--stream', '127.0.0.1:0'],
      {
        INVENTORY_URL: serviceUrl,
        PAYMENTS_URL: serviceUrl,
      },
    );
    expect(await order(url, { sku: 'A-1', qty: 2, amount: 40 })).toMatchObject({ state: 'done' });
    expect(await readdir(app)).toContain('coordinator-data');
    const submitted = await run(
      app,
      'npx',
      'coordinator',
      'submit',
      'order',
      JSON.stringify({ sku: 'B-2', qty: 1, amount: 5 }),
      '--wait',
      '15000',
      '--url',
      url,
    );
    expect(JSON.parse(submitted)).toMatchObject({ state: 'done' });
    expect(await node.kill('SIGTERM')).toBe(0);
  });
});
