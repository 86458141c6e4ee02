/**
 * The inspector page in headless Chromium against real node processes (file log) running the
 * example's order saga and its three services: what a user sees and does at `/ui/`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { browserFixture } from './support/browser.js';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, runCli, submit } from './support/node-process.js';
import { repoRoot } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const fixture = nodeFixture();
const browser = browserFixture();
const config = join(repoRoot, 'test/support/inspector.config.ts');

const order = (sku = 'A-1') => ({ sku, qty: 2, amount: 40 });

/** Reads the page until it shows `want` (compared as JSON); fails after 15 s saying what it saw. */
async function until<T>(what: string, read: () => Promise<T>, want: T): Promise<void> {
  let seen: T | undefined;
  await waitFor(
    () => `${what} to be ${JSON.stringify(want)} (the page shows ${JSON.stringify(seen)})`,
    async () => {
      seen = await read();
      return JSON.stringify(seen) === JSON.stringify(want);
    },
  );
}

/** The count a type's chart shows on a state: '' for none. */
const countOn = (page: Page, type: string, key: string) =>
  page.locator(`section[data-type="${type}"] [data-count-for="${key}"]`).textContent();

/** The ids the Commands list shows, in order. */
const listedIds = (page: Page) =>
  page
    .locator('tr[data-command]')
    .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-command')));

describe('the inspector page', () => {
  it("draws the order saga with every step's and every compensation's state, and a code body's running state", async () => {
    const node = await fixture.node({ config });
    const page = await browser.open(node.url, '#/machines');
    const { types } = (await (await fetch(`${node.url}/v1/types`)).json()) as {
      types: { type: string; steps?: { name: string; compensates: boolean }[] }[];
    };
    const steps = types.find((t) => t.type === 'order')?.steps ?? [];
    expect(steps.map((s) => s.name)).toEqual(['reserve', 'charge', 'ship']);
    const chart = page.locator('section[data-type="order"] svg');
    await chart.waitFor();
    const drawn = await chart
      .locator('[data-state]')
      .evaluateAll((gs) => gs.map((g) => g.getAttribute('data-state')));
    expect(drawn.sort()).toEqual(
      [
        'pending',
        'executing',
        ...steps.map((s) => `executing.${s.name}`),
        ...steps.filter((s) => s.compensates).map((s) => `executing.compensate:${s.name}`),
        'executing.completed',
        'executing.compensated',
        'executing.hist',
        'delayed',
        'blocked',
        'done',
      ].sort(),
    );
    for (const name of ['reserve', 'charge', 'ship', 'compensate:charge', 'compensate:reserve']) {
      await chart.locator(`[data-state="executing.${name}"] text`, { hasText: name }).waitFor();
    }
    await page
      .locator('section[data-type="restock"] svg [data-state="executing.running"]')
      .waitFor();
  });

  it('moves the counts on the chart as Commands run, without a reload', async () => {
    const node = await fixture.node({ config });
    const page = await browser.open(node.url, '#/machines');
    await page.locator('section[data-type="order"] svg').waitFor();
    await page.evaluate('window.notReloaded = true');
    const shows = (key: string, text: string, type = 'order') =>
      until(`the ${type} chart's count on ${key}`, () => countOn(page, type, key), text);
    await shows('done', '');

    for (const id of ['order-1', 'order-2', 'order-3']) {
      expect(
        (await submit(node.url, { type: 'order', id, payload: order() }, { wait: 10_000 })).body,
      ).toMatchObject({ state: 'done' });
    }
    await shows('done', '3');

    fixture.services.payments.mode = 'down';
    await submit(node.url, { type: 'order', id: 'order-4', payload: order('B-7') });
    await shows('delayed', '1');
    await shows('executing.charge', '');
    fixture.services.shipping.mode = 'fail';
    fixture.services.payments.mode = 'ok';
    await submit(
      node.url,
      { type: 'order', id: 'order-5', payload: order('NOSHIP-1') },
      { wait: 10_000 },
    );
    await shows('done', '4');
    await submit(
      node.url,
      { type: 'restock', id: 'restock-1', payload: { sku: 'A-1', qty: 5 } },
      { wait: 10_000 },
    );
    await shows('done', '1', 'restock');
    expect(await page.evaluate('window.notReloaded')).toBe(true);
    await browser.docShot(page, 'inspector-machines', { fullPage: true });
  });

  it('highlights the compensation path of a Command whose service was switched to failing, with its timeline', async () => {
    const node = await fixture.node({ config });
    fixture.services.shipping.mode = 'fail';
    const { body } = await submit(
      node.url,
      { type: 'order', id: 'order-refused', payload: order() },
      { wait: 10_000 },
    );
    expect(body).toMatchObject({ state: 'done', error: { code: 'STEP_FAILED' } });
    const page = await browser.open(node.url, '#/commands/order-refused');
    const chart = page.locator('.chart.path');
    await chart.locator('[data-state="done"].active').waitFor();
    const marked = (selector: string) =>
      chart
        .locator(selector)
        .evaluateAll((gs) =>
          gs.map((g) => g.getAttribute('data-state') ?? g.getAttribute('data-transition')),
        );
    expect((await marked('.state.visited:not(.compound)')).sort()).toEqual(
      [
        'pending',
        'executing.reserve',
        'executing.charge',
        'executing.ship',
        'executing.compensate:charge',
        'executing.compensate:reserve',
        'executing.compensated',
        'done',
      ].sort(),
    );
    expect(await marked('.transition.visited')).toEqual(
      expect.arrayContaining([
        'executing.ship:FAILED:executing.compensate:charge',
        'executing.compensate:charge:OUTCOME:executing.compensate:reserve',
        'executing.compensate:reserve:OUTCOME:executing.compensated',
        'executing:DONE:done',
      ]),
    );
    expect(await marked('.transition.visited')).not.toContain(
      'executing.ship:OUTCOME:executing.completed',
    );
    await page.locator('[data-badge="failed"]').first().waitFor();
    const { body: details } = await getCommand(node.url, 'order-refused');
    const failed = details.events.find((e) => e.kind === 'failed') as unknown as {
      code: string;
      message: string;
    };
    const failedRow = page.locator('tr[data-record="failed"]');
    expect(await failedRow.textContent()).toContain(failed.code);
    expect(await failedRow.textContent()).toContain(failed.message);
    expect(await page.locator('.timeline tbody tr').count()).toBe(details.events.length);
    expect(await page.locator('tr[data-record="outcome"] details').count()).toBe(4);
    await browser.docShot(page, 'inspector-command', { fullPage: true });
  });

  it('filters the Commands list by type, state, id prefix, service and time, and pages through it', async () => {
    const node = await fixture.node({ config });
    for (const id of ['alpha-1', 'alpha-2', 'alpha-3']) {
      await submit(node.url, { type: 'order', id, payload: order() }, { wait: 10_000 });
    }
    const cut = Math.ceil(Date.now() / 1000) * 1000;
    await waitFor(`the clock past ${new Date(cut).toISOString()}`, () => Date.now() >= cut);
    await submit(
      node.url,
      { type: 'restock', id: 'beta-1', payload: { sku: 'A-1', qty: 1 } },
      { wait: 10_000 },
    );
    fixture.services.payments.mode = 'down';
    await submit(node.url, { type: 'order', id: 'gamma-1', payload: order() });
    await waitFor(
      'gamma-1 delayed',
      async () => (await getCommand(node.url, 'gamma-1')).body.state === 'delayed',
    );

    const page = await browser.open(node.url, '#/commands');
    const listed = (want: string[]) => until('the listed Commands', () => listedIds(page), want);
    await listed(['gamma-1', 'beta-1', 'alpha-3', 'alpha-2', 'alpha-1']);
    await browser.docShot(page, 'inspector-commands');

    await page.selectOption('select[name="type"]', 'restock');
    await listed(['beta-1']);
    await page.selectOption('select[name="type"]', '');
    await page.selectOption('select[name="state"]', 'delayed');
    await listed(['gamma-1']);
    await page.selectOption('select[name="state"]', '');
    await page.selectOption('select[name="service"]', 'payments');
    await listed(['gamma-1', 'alpha-3', 'alpha-2', 'alpha-1']);
    await page.fill('input[name="idPrefix"]', 'alpha');
    await page.press('input[name="idPrefix"]', 'Enter');
    await listed(['alpha-3', 'alpha-2', 'alpha-1']);
    expect(page.url()).toContain('idPrefix=alpha');

    await page.click('a:has-text("Clear")');
    await listed(['gamma-1', 'beta-1', 'alpha-3', 'alpha-2', 'alpha-1']);
    await page.fill('input[name="since"]', new Date(cut).toISOString().slice(0, 19));
    await page.click('button:has-text("Apply")');
    await listed(['gamma-1', 'beta-1']);
    await page.fill('input[name="since"]', '');
    await page.fill('input[name="until"]', new Date(cut).toISOString().slice(0, 19));
    await page.click('button:has-text("Apply")');
    await listed(['alpha-3', 'alpha-2', 'alpha-1']);

    await page.goto(`${node.url}/ui/#/commands?idPrefix=alpha&limit=2`);
    await listed(['alpha-3', 'alpha-2']);
    await page.click('[data-page="older"]');
    await listed(['alpha-1']);
    expect(await page.locator('[data-page="older"]').isDisabled()).toBe(true);
    await page.click('[data-page="newer"]');
    await listed(['alpha-3', 'alpha-2']);
    expect(await page.locator('[data-page="newer"]').isDisabled()).toBe(true);
  });

  it('retries a delayed Command now and cancels one from the page, and shows a refusal', async () => {
    const node = await fixture.node({ config });
    const { payments, shipping } = fixture.services;
    const delayed = async (id: string) => {
      await submit(node.url, { type: 'order', id, payload: order() });
      await waitFor(
        `${id} delayed`,
        async () => (await getCommand(node.url, id)).body.state === 'delayed',
      );
    };
    const badge = (page: Page, label: string) =>
      page.locator(`.head-badges [data-badge="${label}"]`).waitFor();

    // Retry now: the service is back, the next attempt would be a minute away.
    payments.mode = 'down';
    await delayed('order-retry');
    let page = await browser.open(node.url, '#/commands/order-retry');
    await badge(page, 'delayed');
    await browser.docShot(page, 'inspector-retry');
    payments.mode = 'ok';
    await page.click('[data-action="retry"]');
    await badge(page, 'done');
    expect(await page.locator('tr[data-record="retried"]').textContent()).toContain('by operator');
    await page.locator('[data-outcome="done"]').waitFor();

    // Cancel: reserve is compensated, and the Command ends CANCELLED.
    payments.mode = 'down';
    await delayed('order-cancel');
    page = await browser.open(node.url, '#/commands/order-cancel');
    await badge(page, 'delayed');
    await page.click('[data-action="cancel"]');
    await badge(page, 'cancelled');
    await page.locator('.chart.path [data-state="executing.compensate:reserve"].visited').waitFor();
    await page.locator('tr[data-record="cancelled"]').waitFor();
    const { body } = await getCommand(node.url, 'order-cancel');
    expect(body).toMatchObject({ state: 'done', cancelled: true, error: { code: 'CANCELLED' } });

    // Refused: a Command compensating already cannot be cancelled; the node's 409 is shown.
    shipping.mode = 'fail';
    payments.script.push('ok');
    await delayed('order-compensating');
    expect((await getCommand(node.url, 'order-compensating')).body.step).toBe('compensate:charge');
    page = await browser.open(node.url, '#/commands/order-compensating');
    await badge(page, 'delayed');
    await page.click('[data-action="cancel"]');
    const refusal = page.locator('[data-outcome="refused"]');
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/WRONG_STATE.*compensating already/);
  });

  it('shows a suspended node: the blocked service and since when, load, the next retries', async () => {
    const node = await fixture.node({ config, env: { BREAKER_FAILURES: '1' } });
    fixture.services.payments.mode = 'down';
    // The first call opens the breaker (delayed); the next Command finds it open (blocked).
    await submit(node.url, { type: 'order', id: 'order-first', payload: order() });
    await waitFor(
      'order-first delayed',
      async () => (await getCommand(node.url, 'order-first')).body.state === 'delayed',
    );
    await submit(node.url, { type: 'order', id: 'order-blocked', payload: order() });
    await waitFor(
      'order-blocked blocked',
      async () => (await getCommand(node.url, 'order-blocked')).body.state === 'blocked',
    );

    const page = await browser.open(node.url, '#/node');
    await page.locator('[data-panel="suspension"] [data-badge="suspended-slow"]').waitFor();
    await page.locator('[data-blocked="payments"]').waitFor();
    await page.locator('.topbar [data-badge="suspended-slow"]').waitFor();
    const retries = await page.locator('[data-panel="retries"] a').allTextContents();
    expect(retries.sort()).toEqual(['order-blocked', 'order-first']);
    expect(await page.locator('[data-figure="in-flight"]').textContent()).toBe('2');
    expect(await page.locator('[data-figure="waiting"]').textContent()).toBe('2');
    expect(await page.locator('[data-partition]').count()).toBeGreaterThan(0);
    await browser.docShot(page, 'inspector-node');
  });

  it('asks for the API token first, then works on its session cookie (API and live stream)', async () => {
    const token = 'inspector-token-7d21';
    const node = await fixture.node({ config, env: { COORDINATOR_API_TOKEN: token } });
    const page = await browser.open(node.url, '#/machines', { live: false });
    await page.fill('#token', 'not-the-token');
    await page.click('button');
    await page.locator('#error', { hasText: 'not the token' }).waitFor();
    await page.fill('#token', token);
    await page.click('button');
    await page.locator('[data-live="open"]').waitFor();
    await page.locator('section[data-type="order"] svg').waitFor();
    const headers = { authorization: `Bearer ${token}` };
    await submit(
      node.url,
      { type: 'order', id: 'signed-in', payload: order() },
      { wait: 10_000, headers },
    );
    await until("the order chart's count on done", () => countOn(page, 'order', 'done'), '1');
  });

  it("keeps the README's drawn saga the chart `coordinator draw` makes", async () => {
    const drawn = await runCli([
      'draw',
      'order',
      '--config',
      join(repoRoot, 'examples/order-saga/coordinator.config.ts'),
    ]);
    expect(drawn.code).toBe(0);
    expect(await readFile(join(repoRoot, 'docs/images/order-saga.svg'), 'utf8')).toBe(drawn.stdout);
  });
});
