/**
 * The rest of the inspector's API on a real node process: the Command types and their charts,
 * the node's state (suspension with the blocked service and since when, load against maxCmds,
 * the next retries, counts per machine state), the list's filters and paging, and the CLI's
 * retry, cancel and draw.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, requestJson, runCli, submit, tempDir } from './support/node-process.js';
import { repoRoot } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const fixture = nodeFixture({ args: ['--slow-retry-interval', '60000', '--jitter', '0'] });
const exampleConfig = join(repoRoot, 'examples/order-saga/coordinator.config.ts');

const order = (id: string, sku = 'SKU-1') => ({
  type: 'order',
  id,
  payload: { sku, qty: 1, amount: 10 },
});

const stateOf = (url: string, id: string, state: string) =>
  waitFor(`${id} ${state}`, async () => (await getCommand(url, id)).body.state === state);

it('lists the Command types and draws each as SVG, Mermaid and the XState definition', async () => {
  const node = await fixture.node();
  const { body } = await requestJson(`${node.url}/v1/types`);
  expect(body.types).toEqual([
    {
      type: 'order',
      kind: 'saga',
      services: ['inventory', 'payments', 'shipping'],
      steps: [
        { name: 'reserve', service: 'inventory', compensates: true },
        { name: 'charge', service: 'payments', compensates: true },
        { name: 'ship', service: 'shipping', compensates: false },
      ],
    },
  ]);

  const svg = await fetch(`${node.url}/v1/types/order/chart`);
  expect(svg.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
  const text = await svg.text();
  for (const state of ['executing.reserve', 'executing.compensate:charge', 'done', 'blocked']) {
    expect(text).toContain(`data-state="${state}"`);
  }
  const mermaid = await (await fetch(`${node.url}/v1/types/order/chart?format=mermaid`)).text();
  expect(mermaid).toMatch(/^stateDiagram-v2/);
  const json = await requestJson(`${node.url}/v1/types/order/chart?format=json`);
  expect(json.body).toMatchObject({
    id: 'order',
    initial: 'pending',
    states: { executing: { initial: 'reserve' } },
  });

  expect(await requestJson(`${node.url}/v1/types/order/chart?format=png`)).toMatchObject({
    status: 400,
    body: { error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/svg, mermaid/) } },
  });
  expect(await requestJson(`${node.url}/v1/types/refund/chart`)).toMatchObject({
    status: 404,
    body: { error: { code: 'UNKNOWN_COMMAND' } },
  });
});

it('shows the node: suspension with the blocked service and since when, load, next retries, counts', async () => {
  const node = await fixture.node({
    env: { BREAKER_FAILURES: '1', BREAKER_OPEN_MS: '60000' },
    args: ['--max-cmds', '50'],
  });
  const idle = await requestJson(`${node.url}/v1/node`);
  expect(idle.body).toMatchObject({
    ready: true,
    suspension: 'accepting',
    blocked: [],
    inFlight: 0,
    maxCmds: 50,
    nextRetries: [],
    partitions: expect.arrayContaining([expect.objectContaining({ partition: 0 })]),
  });
  await submit(node.url, order('n-ok'), { wait: 10_000 });
  const before = Date.now();
  fixture.services.payments.mode = 'down';
  // The first failure opens the breaker (delayed); the next call finds it open (blocked).
  await submit(node.url, order('n-1'));
  await stateOf(node.url, 'n-1', 'delayed');
  await submit(node.url, order('n-2'));
  await stateOf(node.url, 'n-2', 'blocked');
  const { body } = await requestJson(`${node.url}/v1/node`);
  expect(body).toMatchObject({
    suspension: 'suspended-slow',
    blocked: [{ service: 'payments', since: expect.any(Number) }],
    inFlight: 2,
    waiting: 2,
  });
  expect(body.counts).toEqual({ order: { delayed: 1, blocked: 1, done: 1 } });
  expect(body.suspendedSince).toBeGreaterThanOrEqual(before);
  expect(body.nextRetries.map((r: { id: string }) => r.id).sort()).toEqual(['n-1', 'n-2']);
  for (const retry of body.nextRetries) expect(retry.at).toBeGreaterThan(Date.now() + 30_000);
});

it('lists Commands by state, type, id prefix, service and time, page by page', async () => {
  const node = await fixture.node();
  const t0 = Date.now();
  for (let i = 0; i < 5; i++) await submit(node.url, order(`eu-${i}`), { wait: 10_000 });
  const t1 = Date.now() + 1;
  fixture.services.shipping.mode = 'down';
  await submit(node.url, order('us-1'));
  await stateOf(node.url, 'us-1', 'delayed');
  const list = async (query: string) =>
    (await requestJson(`${node.url}/v1/commands?${query}`)).body as {
      commands: { id: string; state: string; acceptedAt: number }[];
      next?: string;
    };
  const ids = (page: { commands: { id: string }[] }) => page.commands.map((c) => c.id).sort();

  expect(ids(await list('idPrefix=eu-'))).toEqual(['eu-0', 'eu-1', 'eu-2', 'eu-3', 'eu-4']);
  expect(ids(await list('state=delayed'))).toEqual(['us-1']);
  expect(ids(await list('state=done&idPrefix=us'))).toEqual([]);
  expect((await list('type=order')).commands).toHaveLength(6);
  expect(ids(await list('type=refund'))).toEqual([]);
  expect((await list('service=shipping')).commands).toHaveLength(6);
  expect(ids(await list('service=email'))).toEqual([]);
  expect(ids(await list(`since=${t1}`))).toEqual(['us-1']);
  expect(ids(await list(`since=${new Date(t0).toISOString()}&until=${t1}`))).toHaveLength(5);
  const first = await list('limit=4');
  expect(first.commands).toHaveLength(4);
  expect(first.next).toEqual(expect.any(String));
  const second = await list(`limit=4&after=${encodeURIComponent(first.next as string)}`);
  expect(second.commands).toHaveLength(2);
  expect(second.next).toBeUndefined();
  expect([...ids(first), ...ids(second)].sort()).toEqual(ids(await list('limit=100')));
  expect(await requestJson(`${node.url}/v1/commands?since=yesterday`)).toMatchObject({
    status: 400,
    body: { error: { code: 'INVALID_PAYLOAD', message: expect.stringMatching(/ISO date/) } },
  });
});

it('retries and cancels from the CLI, with the coded refusal on stderr', async () => {
  const node = await fixture.node();
  const cli = (...args: string[]) => runCli([...args, '--url', node.url]);
  fixture.services.payments.mode = 'down';
  await submit(node.url, order('cli-r'));
  await submit(node.url, order('cli-c'));
  await stateOf(node.url, 'cli-r', 'delayed');
  await stateOf(node.url, 'cli-c', 'delayed');
  fixture.services.payments.mode = 'ok';
  expect(await cli('retry', 'cli-r')).toMatchObject({ code: 0, json: { id: 'cli-r' } });
  expect(await cli('cancel', 'cli-c')).toMatchObject({
    code: 0,
    json: { id: 'cli-c', cancelled: true },
  });
  await stateOf(node.url, 'cli-r', 'done');
  await stateOf(node.url, 'cli-c', 'done');
  expect((await getCommand(node.url, 'cli-c')).body.error.code).toBe('CANCELLED');
  expect((await cli('list', '--id-prefix', 'cli-', '--state', 'done')).json).toMatchObject({
    commands: [
      expect.objectContaining({ state: 'done' }),
      expect.objectContaining({ state: 'done' }),
    ],
  });
  const refused = await cli('retry', 'cli-r');
  expect(refused.code).toBe(1);
  expect(refused.stderr).toMatch(/WRONG_STATE: Command cli-r is done/);
});

it('draws a type from a config file without a node, to stdout or a file', async () => {
  const mermaid = await runCli(['draw', 'order', '--config', exampleConfig, '--format', 'mermaid']);
  expect(mermaid.code).toBe(0);
  expect(mermaid.stdout).toContain('compensate:charge');
  const json = await runCli(['draw', 'order', '--config', exampleConfig, '--format', 'json']);
  expect(json.json).toMatchObject({
    id: 'order',
    initial: 'pending',
    states: { done: { type: 'final' } },
  });
  const out = join(await tempDir(), 'order.svg');
  const svg = await runCli(['draw', 'order', '--config', exampleConfig, '-o', out]);
  expect(svg.code).toBe(0);
  expect(await readFile(out, 'utf8')).toMatch(/^<svg [^>]*data-type="order"/);
  const unknown = await runCli(['draw', 'refund', '--config', exampleConfig]);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toMatch(/defines no Command type "refund"; it defines: order/);
});
