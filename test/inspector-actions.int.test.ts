/**
 * Retry now and cancel on a real node process: what they do to a waiting Command, a cancel that
 * races a running step, the coded refusals, and both surviving a SIGKILL and a restart on the
 * same data directory (the log decides, and no step's effect happens twice).
 */
import { expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { act, getCommand, submit, tempDir } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

/** Waiting Commands would wait a minute: anything sooner is the operator's doing. */
const fixture = nodeFixture({ args: ['--slow-retry-interval', '60000', '--jitter', '0'] });

const order = (id: string) => ({
  type: 'order',
  id,
  payload: { sku: `SKU-${id}`, qty: 1, amount: 10 },
});

const stateOf = (url: string, id: string, state: string) =>
  waitFor(`${id} ${state}`, async () => {
    const { body } = await getCommand(url, id);
    return body.state === state ? body : undefined;
  });

/** Idempotency keys are `<command id>:<step>`. */
const mine = (id: string) => (key: string) => key.startsWith(`${id}:`);

/** The calls a service received for one Command, in order. */
const calls = (service: { history: readonly { key: string; path: string }[] }, id: string) =>
  service.history.filter((h) => mine(id)(h.key)).map((h) => h.path);

/** How many times each of one Command's calls took effect in a service. */
async function effects(service: { url: string }, id: string): Promise<number[]> {
  const stats = (await (await fetch(`${service.url}/admin/stats`)).json()) as {
    effects: Record<string, number>;
  };
  return Object.entries(stats.effects)
    .filter(([key]) => mine(id)(key))
    .map(([, n]) => n);
}

it('retry now runs a delayed Command at once and says who retried it; refused once done', async () => {
  const node = await fixture.node();
  fixture.services.payments.mode = 'down';
  await submit(node.url, order('rn-1'));
  await stateOf(node.url, 'rn-1', 'delayed');
  fixture.services.payments.mode = 'ok';
  const started = Date.now();
  const answer = await act(node.url, 'rn-1', 'retry');
  expect(answer.status).toBe(200);
  expect(answer.body).toMatchObject({ id: 'rn-1' });
  const done = await stateOf(node.url, 'rn-1', 'done');
  expect(Date.now() - started).toBeLessThan(30_000);
  expect(done.error).toBeUndefined();
  expect(done.events).toContainEqual(expect.objectContaining({ kind: 'retried', by: 'operator' }));

  const again = await act(node.url, 'rn-1', 'retry');
  expect(again).toMatchObject({ status: 409, body: { error: { code: 'WRONG_STATE' } } });
  expect(again.body.error.message).toMatch(/done/);
  const unknown = await act(node.url, 'nobody', 'retry');
  expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_COMMAND' } } });
});

it('cancel compensates a waiting saga in reverse and ends it done with CANCELLED', async () => {
  const node = await fixture.node();
  const { inventory, payments, shipping } = fixture.services;
  shipping.mode = 'down';
  await submit(node.url, order('c-1'));
  await stateOf(node.url, 'c-1', 'delayed');
  const answer = await act(node.url, 'c-1', 'cancel');
  expect(answer).toMatchObject({ status: 200, body: { id: 'c-1', cancelled: true } });
  const done = await stateOf(node.url, 'c-1', 'done');
  expect(done.error).toMatchObject({ code: 'CANCELLED' });
  expect(calls(inventory, 'c-1')).toEqual(['/reserve', '/release']);
  expect(calls(payments, 'c-1')).toEqual(['/charge', '/refund']);
  expect(calls(shipping, 'c-1')).toEqual(['/ship']);

  // Repeated after the end: the same answer, nothing new.
  expect(await act(node.url, 'c-1', 'cancel')).toMatchObject({
    status: 200,
    body: { state: 'done', cancelled: true },
  });
  // A Command that finished on its own is not cancelled.
  shipping.mode = 'ok';
  await submit(node.url, order('c-2'), { wait: 10_000 });
  expect(await act(node.url, 'c-2', 'cancel')).toMatchObject({
    status: 409,
    body: { error: { code: 'WRONG_STATE', message: expect.stringMatching(/done/) } },
  });
});

it('cancel racing a running step: the step finishes, its Outcome is kept and compensated', async () => {
  const node = await fixture.node({ env: { SERVICE_TIMEOUT_MS: '20000' } });
  const { inventory, payments, shipping } = fixture.services;
  payments.slowMs = 1500;
  payments.script.push('slow');
  await submit(node.url, order('race-1'));
  await waitFor('the charge call', () => calls(payments, 'race-1').includes('/charge'));
  const answer = await act(node.url, 'race-1', 'cancel');
  expect(answer).toMatchObject({ status: 200, body: { state: 'executing', cancelled: true } });
  const done = await stateOf(node.url, 'race-1', 'done');
  expect(done.error).toMatchObject({ code: 'CANCELLED' });
  expect(done.events.map((e) => e.kind)).toEqual(
    expect.arrayContaining(['cancelled', 'outcome', 'done']),
  );
  expect(calls(payments, 'race-1')).toEqual(['/charge', '/refund']);
  expect(calls(inventory, 'race-1')).toEqual(['/reserve', '/release']);
  expect(calls(shipping, 'race-1')).toEqual([]);
});

it('a cancel answered before a SIGKILL is carried out after the restart', async () => {
  const dataDir = await tempDir();
  const { inventory, payments, shipping } = fixture.services;
  const first = await fixture.node({ dataDir });
  shipping.mode = 'down';
  // The charge goes through; the refund finds payments down: the node dies mid-compensation.
  payments.script.push('ok', 'down');
  await submit(first.url, order('k-1'));
  await stateOf(first.url, 'k-1', 'delayed');
  expect((await act(first.url, 'k-1', 'cancel')).status).toBe(200);
  await waitFor('the refund tried', () => calls(payments, 'k-1').includes('/refund'));
  await first.kill('SIGKILL');

  payments.mode = 'ok';
  shipping.mode = 'ok';
  const second = await fixture.node({ dataDir, args: ['--slow-retry-interval', '200'] });
  const done = await stateOf(second.url, 'k-1', 'done');
  expect(done).toMatchObject({ cancelled: true, error: { code: 'CANCELLED' } });
  expect(await effects(shipping, 'k-1')).toEqual([]);
  expect(calls(inventory, 'k-1')).toEqual(['/reserve', '/release']);
  // The charge and the refund, each taking effect once.
  expect(await effects(payments, 'k-1')).toEqual([1, 1]);
});

it('a retry now answered before a SIGKILL is resumed after the restart, its step once', async () => {
  const dataDir = await tempDir();
  const { shipping } = fixture.services;
  const first = await fixture.node({ dataDir, env: { SERVICE_TIMEOUT_MS: '20000' } });
  shipping.mode = 'down';
  await submit(first.url, order('kr-1'));
  await stateOf(first.url, 'kr-1', 'delayed');
  // The retried attempt hangs in the service while the node dies.
  shipping.slowMs = 60_000;
  shipping.mode = 'slow';
  const before = calls(shipping, 'kr-1').length;
  expect((await act(first.url, 'kr-1', 'retry')).status).toBe(200);
  await waitFor('the retried call', () => calls(shipping, 'kr-1').length > before);
  await first.kill('SIGKILL');

  shipping.mode = 'ok';
  const second = await fixture.node({ dataDir, args: ['--slow-retry-interval', '200'] });
  const done = await stateOf(second.url, 'kr-1', 'done');
  expect(done.error).toBeUndefined();
  expect(done.events).toContainEqual(expect.objectContaining({ kind: 'retried', by: 'operator' }));
  expect(await effects(shipping, 'kr-1')).toEqual([1]);
});
