import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ArchivedOutcome } from '@coordinator/core';
import { afterEach, describe, expect, it } from 'vitest';
import { archivedOutcome } from '../../../../test/support/archived-outcomes.js';
import { type ReplayInput, replayOutcomes } from './outcome-replay.js';
import { httpTarget } from './replay-target.js';

/** What the target received: the body and the Idempotency-Key header, in arrival order. */
interface Received {
  readonly body: ArchivedOutcome;
  readonly header: string;
}

type Answer = (received: Received, tries: number) => Promise<[number, string?]> | [number, string?];

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve)).then(() => undefined)),
  );
});

/** A real HTTP target on a free port; `answer` decides each status (after any delay it awaits). */
async function target(answer: Answer = () => [200]) {
  const received: Received[] = [];
  const tries = new Map<string, number>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', async () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ArchivedOutcome;
      const header = String(request.headers['idempotency-key']);
      const n = (tries.get(body.cursor) ?? 0) + 1;
      tries.set(body.cursor, n);
      const got = { body, header };
      received.push(got);
      const [status, text = '{}'] = await answer(got, n);
      response.writeHead(status, { 'content-type': 'application/json' }).end(text);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/rebuild`;
  return { url, received, tries };
}

const cursorOf = (n: number) => String(n).padStart(6, '0');

function outcomes(count: number, keyOf: (n: number) => string = (n) => `order-${n}:charge`) {
  return Array.from({ length: count }, (_, n) =>
    archivedOutcome(n, { idempotencyKey: keyOf(n), at: 1_700_000_000_000 + n }),
  );
}

async function* from(items: readonly ArchivedOutcome[]) {
  yield* items;
}

function replay(items: readonly ArchivedOutcome[], url: string, extra: Partial<ReplayInput> = {}) {
  const cursors: string[] = [];
  const run = replayOutcomes({
    outcomes: from(items),
    target: httpTarget(url, { timeoutMs: 5000 }),
    concurrency: 8,
    ratePerSecond: 0,
    retry: { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: 4 },
    random: Math.random,
    onCursor: (c) => cursors.push(c),
    ...extra,
  });
  return { run, cursors };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('replayOutcomes', () => {
  it('sends every Outcome with its body and Idempotency-Key, and ends with the last cursor', async () => {
    const t = await target();
    const items = outcomes(200, (n) => (n === 7 ? 'ordre-7 é%:charge' : `order-${n}:charge`));
    const { run, cursors } = replay(items, t.url);
    expect(await run).toEqual({ sent: 200, skipped: 0, failed: 0, cursor: cursorOf(199) });
    expect(t.received.map((r) => r.body).sort((a, b) => a.cursor.localeCompare(b.cursor))).toEqual(
      items,
    );
    const odd = t.received.find((r) => r.body.idempotencyKey.startsWith('ordre'));
    expect(odd?.header).toBe('ordre-7%20%C3%A9%25:charge');
    expect(decodeURIComponent(odd?.header ?? '')).toBe('ordre-7 é%:charge');
    expect(cursors.at(-1)).toBe(cursorOf(199));
    expect([...cursors].sort()).toEqual(cursors);
  });

  it('keeps the Outcomes of one idempotency key in order and one at a time, whatever the concurrency', async () => {
    const inFlight = new Map<string, number>();
    let overlap = 0;
    const t = await target(async ({ body }) => {
      const key = body.idempotencyKey;
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      if ((inFlight.get(key) ?? 0) > 1) overlap += 1;
      await pause(body.at % 3);
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
      return [200];
    });
    const items = outcomes(300, (n) => `key-${n % 5}`);
    const { run } = replay(items, t.url, { concurrency: 16 });
    expect((await run).sent).toBe(300);
    expect(overlap).toBe(0);
    for (let k = 0; k < 5; k++) {
      const sent = t.received.filter((r) => r.body.idempotencyKey === `key-${k}`);
      expect(sent.map((r) => r.body.cursor)).toEqual(
        items.filter((o) => o.idempotencyKey === `key-${k}`).map((o) => o.cursor),
      );
    }
  });

  it('moves the cursor only past Outcomes that are done with all before them', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const t = await target(async ({ body }) => {
      if (body.cursor === cursorOf(3)) await held;
      return [201];
    });
    const { run, cursors } = replay(outcomes(40), t.url);
    // Everything else is answered while the fourth waits; the cursor stays below it.
    while (t.received.length < 40) await pause(5);
    expect(cursors.every((c) => c < cursorOf(3))).toBe(true);
    release();
    expect(await run).toMatchObject({ sent: 40, cursor: cursorOf(39) });
    expect(cursors.at(-1)).toBe(cursorOf(39));
  });

  it('retries 5xx, 429 and 408 with backoff, counts 208 and 409 as skipped', async () => {
    const t = await target(({ body }, tries) => {
      const n = Number(body.cursor);
      if (n % 4 === 0 && tries < 3) return [[503, 429, 408][n % 3] as number];
      if (n % 4 === 1) return [208];
      if (n % 4 === 2) return [409];
      return [200];
    });
    const { run } = replay(outcomes(40), t.url);
    expect(await run).toEqual({ sent: 20, skipped: 20, failed: 0, cursor: cursorOf(39) });
    expect(t.tries.get(cursorOf(0))).toBe(3);
  });

  it('retries a target that does not answer (connection refused)', async () => {
    const t = await target();
    const port = Number(new URL(t.url).port);
    await new Promise((resolve) => servers.pop()?.close(resolve));
    const { run } = replay(outcomes(3), `http://127.0.0.1:${port}/rebuild`, {
      retry: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 3 },
    });
    const summary = await run;
    expect(summary).toMatchObject({ sent: 0, failed: expect.any(Number), cursor: undefined });
    expect(summary.stop).toMatchObject({ reason: 'retries', attempts: 3 });
    expect((summary.stop as { detail: string }).detail).toMatch(/ECONNREFUSED/);
  });

  it('stops at a terminal answer: the cursor stays below it, nothing after it starts, the answer is named', async () => {
    const t = await target(({ body }) =>
      body.cursor === cursorOf(50) ? [422, '{"error":"amount over the limit"}'] : [200],
    );
    const summary = await replay(outcomes(400), t.url, { concurrency: 4 }).run;
    expect(summary.failed).toBe(1);
    expect(summary.cursor).toBe(cursorOf(49));
    expect(summary.stop).toMatchObject({
      reason: 'terminal',
      outcome: { cursor: cursorOf(50) },
      attempts: 1,
    });
    expect((summary.stop as { detail: string }).detail).toMatch(
      /answered 422: \{"error":"amount over the limit"\}/,
    );
    // At most the sends already under way when it answered went on.
    expect(Math.max(...t.received.map((r) => Number(r.body.cursor)))).toBeLessThan(50 + 4);
  });

  it('gives up on an Outcome after maxAttempts retryable answers and stops there', async () => {
    const t = await target(({ body }) => (body.cursor === cursorOf(2) ? [500] : [200]));
    const summary = await replay(outcomes(10), t.url, { concurrency: 1 }).run;
    expect(t.tries.get(cursorOf(2))).toBe(4);
    expect(summary).toMatchObject({ sent: 2, failed: 1, cursor: cursorOf(1) });
    expect(summary.stop).toMatchObject({ reason: 'retries', attempts: 4 });
  });

  it('paces sends to the rate', async () => {
    const t = await target();
    const started = performance.now();
    const summary = await replay(outcomes(21), t.url, { ratePerSecond: 100 }).run;
    expect(summary.sent).toBe(21);
    // 21 sends 10 ms apart: the last one no sooner than 200 ms after the first.
    expect(performance.now() - started).toBeGreaterThanOrEqual(195);
  });

  it('stops when interrupted, with the cursor below every Outcome not yet done', async () => {
    const interrupt = new AbortController();
    const t = await target(async ({ body }) => {
      if (body.cursor === cursorOf(30)) interrupt.abort();
      return [200];
    });
    const summary = await replay(outcomes(1000), t.url, {
      concurrency: 2,
      signal: interrupt.signal,
    }).run;
    expect(summary.stop).toEqual({ reason: 'interrupted' });
    expect(summary.failed).toBe(0);
    expect(Number(summary.cursor)).toBeGreaterThanOrEqual(29);
    expect(summary.sent).toBeLessThan(1000);
    expect(t.received.length).toBe(summary.sent);
  });

  it('ends with a source error as the reason and what was done before it', async () => {
    const t = await target();
    async function* failing() {
      yield* outcomes(5);
      throw new Error('the node went away');
    }
    const summary = await replayOutcomes({
      outcomes: failing(),
      target: httpTarget(t.url, { timeoutMs: 5000 }),
      concurrency: 2,
      ratePerSecond: 0,
      retry: { initialDelayMs: 1, maxDelayMs: 2, maxAttempts: 2 },
      random: Math.random,
    });
    expect(summary).toMatchObject({ sent: 5, cursor: cursorOf(4), stop: { reason: 'source' } });
  });
});
