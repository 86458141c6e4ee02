import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SimulatedClock } from '@coordinator/core/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { httpService } from './http-service.js';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

let server: Server;
let base: string;
const seen: Seen[] = [];
let respond: (req: Seen, res: ServerResponse) => void;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const request = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(request);
      respond(request, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  seen.length = 0;
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const step = { idempotencyKey: 'cmd-1:reserve' };

describe('httpService', () => {
  it("sends the step's idempotency key and JSON, and returns the parsed answer", async () => {
    respond = (req, res) => json(res, 201, { reserved: JSON.parse(req.body).sku });
    const inventory = httpService(base, { headers: { authorization: 'Bearer t' } });
    await expect(inventory.post(step, '/reservations', { sku: 'A1' })).resolves.toEqual({
      reserved: 'A1',
    });
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/reservations',
      headers: {
        'idempotency-key': 'cmd-1:reserve',
        'content-type': 'application/json',
        authorization: 'Bearer t',
      },
    });
  });

  it.each([500, 502, 503, 408, 429])('turns %i into CmdDelayed', async (status) => {
    respond = (_req, res) => json(res, status, { error: 'busy' });
    await expect(httpService(base).get(step, '/stock')).rejects.toMatchObject({
      code: 'DELAYED',
      message: `${new URL(base).host}: GET /stock answered ${status}: {"error":"busy"}`,
    });
  });

  it('turns a 4xx into a terminal error carrying the response body', async () => {
    respond = (_req, res) => json(res, 409, { error: 'out of stock' });
    const error = await httpService(base, { service: 'inventory' })
      .post(step, '/reservations', {})
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'STEP_FAILED',
      retryable: false,
      message: 'inventory: POST /reservations answered 409: {"error":"out of stock"}',
      cause: { status: 409, body: { error: 'out of stock' } },
    });
  });

  it('turns a refused connection into CmdDelayed', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    await expect(httpService(`http://127.0.0.1:${port}`).get(step, '/')).rejects.toMatchObject({
      code: 'DELAYED',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('turns a timeout into CmdDelayed', async () => {
    respond = () => {};
    await expect(httpService(base, { timeoutMs: 50 }).get(step, '/slow')).rejects.toMatchObject({
      code: 'DELAYED',
      message: expect.stringContaining('timed out after 50 ms'),
    });
  });

  it('opens its breaker after failures: calls become CmdBlocked without reaching the service', async () => {
    const clock = new SimulatedClock(0);
    const service = httpService(base, {
      service: 'inventory',
      clock,
      breaker: { failureThreshold: 2, openMs: 5_000 },
    });
    respond = (_req, res) => json(res, 503, {});
    await expect(service.get(step, '/a')).rejects.toMatchObject({ code: 'DELAYED' });
    await expect(service.get(step, '/a')).rejects.toMatchObject({ code: 'DELAYED' });
    await expect(service.get(step, '/a')).rejects.toMatchObject({
      code: 'BLOCKED',
      message: 'inventory: GET /a not sent: the circuit is open until 1970-01-01T00:00:05.000Z',
    });
    expect(seen).toHaveLength(2);
    clock.advance(5_000);
    respond = (_req, res) => json(res, 200, { ok: true });
    await expect(service.get(step, '/a')).resolves.toEqual({ ok: true });
    expect(service.breaker.state).toBe('closed');
  });

  it('counts a 4xx as the service being up', async () => {
    const service = httpService(base, { breaker: { failureThreshold: 1 } });
    respond = (_req, res) => json(res, 400, {});
    for (let i = 0; i < 3; i++) {
      await expect(service.get(step, '/')).rejects.toMatchObject({ code: 'STEP_FAILED' });
    }
    expect(service.breaker.state).toBe('closed');
  });

  it('carries any Command id in the Idempotency-Key, percent-encoded where it is not visible ASCII', async () => {
    respond = (req, res) => json(res, 200, { key: req.headers['idempotency-key'] });
    const service = httpService(base);
    await expect(service.get({ idempotencyKey: '订单-✓:reserve' }, '/')).resolves.toEqual({
      key: '%E8%AE%A2%E5%8D%95-%E2%9C%93:reserve',
    });
  });

  it('fails a request it cannot build with a terminal INTERNAL, sends nothing and counts no failure', async () => {
    const service = httpService(base, { service: 'payments', breaker: { failureThreshold: 1 } });
    const bad = [
      () => service.call(step, { path: '/x', headers: { 'x-note': 'a\nb' } }),
      () => service.post(step, '/x', { amount: 10n }),
    ];
    for (const attempt of bad) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'INTERNAL',
        retryable: false,
        message: expect.stringMatching(/^payments: .* not sent: the request could not be built/),
      });
    }
    expect(seen).toHaveLength(0);
    expect(service.breaker.state).toBe('closed');
  });
});
