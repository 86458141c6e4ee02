import { CoordinatorError, errorCodes } from '@coordinator/core';
import { HttpServer, type HttpServerOptions, type TransportEvent } from '@coordinator/transport';
import { type MemoryCommand, MemoryCommandHandler } from '@coordinator/transport/testing';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { Gates } from './support/transport-gates.js';
import { waitFor } from './support/wait-for.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function start(handler: MemoryCommandHandler, options: Partial<HttpServerOptions> = {}) {
  const events: TransportEvent[] = [];
  const server = new HttpServer(handler, { onEvent: (e) => events.push(e), ...options });
  const { port } = await server.listen();
  cleanup.push(() => server.close());
  const base = `http://127.0.0.1:${port}`;
  const post = (body: unknown, { query = '', headers = {} as Record<string, string> } = {}) =>
    fetch(`${base}/v1/commands${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { server, base, post, events };
}

function gated() {
  const gates = new Gates();
  const handler = new MemoryCommandHandler({
    run: ({ id, payload }: MemoryCommand) =>
      gates.wait(id).then((outcome) => {
        if (outcome === 'fail') throw new CoordinatorError('STEP_FAILED', 'card declined');
        return payload;
      }),
  });
  return { gates, handler };
}

describe('HTTP API', () => {
  it('POST answers 202 {id, state} once durable', async () => {
    const { handler } = gated();
    const { post } = await start(handler);
    const response = await post({ type: 'order', payload: { sku: 'A1' }, id: 'o-1' });
    expect(response.status).toBe(202);
    expect(response.headers.get('location')).toBe('/v1/commands/o-1');
    expect(await response.json()).toEqual({ id: 'o-1', state: 'pending' });
  });

  it('POST ?wait= answers 200 with the result or the error when done in time, else 202', async () => {
    const { gates, handler } = gated();
    const { post } = await start(handler);
    const ok = post({ type: 'order', payload: 7, id: 'ok' }, { query: '?wait=10000' });
    const failing = post({ type: 'order', payload: 7, id: 'bad' }, { query: '?wait=10000' });
    await waitFor('both waiting', () => handler.waiting() === 2);
    gates.open('ok', 'go');
    gates.open('bad', 'fail');
    expect(await (await ok).json()).toEqual({ id: 'ok', state: 'done', result: 7 });
    const bad = await failing;
    expect(bad.status).toBe(200);
    expect(await bad.json()).toEqual({
      id: 'bad',
      state: 'done',
      error: { code: 'STEP_FAILED', message: 'card declined' },
    });
    const slow = await post({ type: 'order', payload: 1, id: 'slow' }, { query: '?wait=30' });
    expect(slow.status).toBe(202);
    expect(await slow.json()).toEqual({ id: 'slow', state: 'executing' });
    expect(handler.waiting()).toBe(0);
  });

  it('takes the Idempotency-Key header for the id; a resubmit answers with the existing Command', async () => {
    const handler = new MemoryCommandHandler();
    const { post } = await start(handler);
    const headers = { 'idempotency-key': 'pay-42' };
    const first = await post({ type: 'pay', payload: 1 }, { headers, query: '?wait=5000' });
    expect(await first.json()).toEqual({ id: 'pay-42', state: 'done', result: 1 });
    const again = await post({ type: 'pay', payload: 1 }, { headers });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: 'pay-42', state: 'done', result: 1 });
    expect(handler.runs.get('pay-42')).toBe(1);
    const conflict = await post({ type: 'pay', payload: 1, id: 'other' }, { headers });
    expect(conflict.status).toBe(400);
  });

  it('GET /v1/commands/{id} shows the Command in the contract shape', async () => {
    const handler = new MemoryCommandHandler();
    const { base, post } = await start(handler);
    await post({ type: 'ship', payload: { to: 'x' }, id: 's-1' }, { query: '?wait=5000' });
    const response = await fetch(`${base}/v1/commands/s-1`);
    const body = (await response.json()) as { events: { kind: string }[] };
    expect(Object.keys(body)).toEqual([
      'id',
      'type',
      'state',
      'attempts',
      'outcomes',
      'result',
      'acceptedAt',
      'updatedAt',
      'payload',
      'partition',
      'step',
      'failures',
      'events',
    ]);
    expect(body).toMatchObject({
      id: 's-1',
      type: 'ship',
      state: 'done',
      attempts: 1,
      outcomes: [{ service: 'ship', step: 'run', outcome: { to: 'x' } }],
      result: { to: 'x' },
    });
    expect(body.events.map((e: { kind: string }) => e.kind)).toEqual([
      'accepted',
      'started',
      'done',
    ]);
  });

  it('GET /v1/commands lists by state, type and limit', async () => {
    const { gates, handler } = gated();
    const { base, post } = await start(handler);
    for (const id of ['a', 'b', 'c'])
      await post({ type: id === 'c' ? 'other' : 'order', payload: 0, id });
    gates.open('a', 'go');
    await waitFor('a done', () => handler.get('a')?.state === 'done');
    const list = async (query: string) =>
      (
        (await (await fetch(`${base}/v1/commands${query}`)).json()) as {
          commands: { id: string }[];
        }
      ).commands;
    expect((await list('?state=done')).map((c) => c.id)).toEqual(['a']);
    expect((await list('?type=order')).map((c) => c.id)).toEqual(['a', 'b']);
    expect(await list('?limit=1')).toHaveLength(1);
    const bad = await fetch(`${base}/v1/commands?state=napping`);
    expect(bad.status).toBe(400);
  });

  it('answers errors as {"error": {code, message}} with the contract status', async () => {
    const handler = new MemoryCommandHandler({
      types: ['order'],
      validate: ({ payload }) => {
        if (typeof payload !== 'object') throw new Error('payload must be an object');
      },
    });
    const { base, post } = await start(handler, { bodyLimitBytes: 1_000, retryAfterSeconds: 7 });
    const cases: [Promise<Response>, number, string][] = [
      [post('{"type": "order", '), 400, 'INVALID_PAYLOAD'],
      [post({ type: 'order', payload: 3 }), 400, 'INVALID_PAYLOAD'],
      [post({ type: 'order' }), 400, 'INVALID_PAYLOAD'],
      [post({ type: 'nope', payload: {} }), 404, 'UNKNOWN_COMMAND'],
      [post({ type: 'order', payload: 'x'.repeat(5_000) }), 413, 'PAYLOAD_TOO_LARGE'],
      [post({}, { query: '?wait=soon' }), 400, 'INVALID_PAYLOAD'],
      [
        fetch(`${base}/v1/commands`, {
          method: 'POST',
          headers: { 'content-type': 'text/plain' },
          body: 'hi',
        }),
        415,
        'INVALID_PAYLOAD',
      ],
      [
        fetch(`${base}/v1/commands`, { method: 'POST', body: new Uint8Array([1, 2]) }),
        415,
        'INVALID_PAYLOAD',
      ],
      [fetch(`${base}/v1/commands/unknown-id`), 404, 'UNKNOWN_COMMAND'],
      [fetch(`${base}/v2/things`), 404, 'PROTOCOL'],
      [fetch(`${base}/v1/commands/%zz`), 400, 'PROTOCOL'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect({ status: response.status, body: await response.json() }).toEqual({
        status,
        body: { error: { code, message: expect.any(String) } },
      });
    }
  });

  it.each(['SUSPENDED', 'OVERLOADED', 'NOT_READY'] as const)(
    'answers %s with 503 and Retry-After',
    async (code) => {
      const handler = new MemoryCommandHandler();
      handler.refusal = new CoordinatorError(code, `refused: ${code}`);
      const { post } = await start(handler, { retryAfterSeconds: 5 });
      const response = await post({ type: 'order', payload: {} });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('5');
      expect(await response.json()).toEqual({ error: { code, message: `refused: ${code}` } });
    },
  );

  it('answers a fault inside the handler with 500 INTERNAL and reports it', async () => {
    const handler = new MemoryCommandHandler();
    handler.refusal = new RangeError('disk on fire') as never;
    const { post, events } = await start(handler);
    const response = await post({ type: 'order', payload: {} });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({
      error: {
        code: 'INTERNAL',
        message: 'The node failed to handle an HTTP request: disk on fire',
      },
    });
    expect(events).toContainEqual(expect.objectContaining({ type: 'handler.failed' }));
  });

  it('serves /healthz, /readyz (200 only when ready) and /metrics', async () => {
    const handler = new MemoryCommandHandler();
    const { base } = await start(handler, { metrics: () => 'coordinator_up 1\n' });
    handler.ready = false;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const notReady = await fetch(`${base}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('retry-after')).toBe('1');
    expect(await notReady.json()).toMatchObject({ error: { code: 'NOT_READY' } });
    handler.ready = true;
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toBe('coordinator_up 1\n');
  });

  it('answers a waiting request with 202 when the server closes', async () => {
    const { handler } = gated();
    const events: TransportEvent[] = [];
    const server = new HttpServer(handler, { onEvent: (e) => events.push(e) });
    const { port } = await server.listen();
    const waiting = fetch(`http://127.0.0.1:${port}/v1/commands?wait=60000`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order', payload: 1, id: 'w' }),
    });
    await waitFor('the request to wait', () => handler.waiting('w') === 1);
    await server.close();
    const response = await waiting;
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ id: 'w', state: 'executing' });
  });

  it('survives arbitrary requests: every answer is a known status with a coded error body', async () => {
    const handler = new MemoryCommandHandler();
    const { base, post } = await start(handler, { bodyLimitBytes: 2_000 });
    const codes: readonly string[] = errorCodes;
    const request = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'),
      path: fc.oneof(
        fc.constantFrom('/v1/commands', '/v1/commands/x', '/healthz', '/readyz', '/metrics'),
        fc.webPath(),
        fc.string({ maxLength: 20 }).map((s) => `/v1/commands/${encodeURIComponent(s)}`),
      ),
      query: fc.oneof(
        fc.constant(''),
        fc.webQueryParameters().map((q) => `?${q}`),
      ),
      contentType: fc.constantFrom(
        'application/json',
        'text/plain',
        'application/x-www-form-urlencoded',
        '',
      ),
      body: fc.oneof(
        fc.json(),
        fc.string({ maxLength: 100 }),
        fc.jsonValue().map((v) => JSON.stringify({ type: 'order', payload: v })),
        fc.string({ minLength: 2_001, maxLength: 2_100 }),
      ),
    });
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const hasBody = r.method !== 'GET';
        const response = await fetch(
          `${base}${r.path.startsWith('/') ? r.path : `/${r.path}`}${r.query}`,
          {
            method: r.method,
            headers: r.contentType && hasBody ? { 'content-type': r.contentType } : {},
            ...(hasBody ? { body: r.body } : {}),
          },
        );
        expect([200, 202, 400, 404, 413, 415]).toContain(response.status);
        const text = await response.text();
        if (response.status >= 400) {
          const body = JSON.parse(text) as { error: { code: string; message: unknown } };
          expect(codes).toContain(body.error.code);
          expect(typeof body.error.message).toBe('string');
        }
      }),
      { numRuns: 300 },
    );
    const after = await post({ type: 'order', payload: 'still here' }, { query: '?wait=5000' });
    expect(await after.json()).toMatchObject({ result: 'still here' });
  });
});
