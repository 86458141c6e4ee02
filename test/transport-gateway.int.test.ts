import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinatorError, Driver, defineCommand } from '@coordinator/core';
import { MemoryEventLog, SeededRandom, SequentialIds } from '@coordinator/core/testing';
import { DriverHandler } from '@coordinator/node';
import {
  HttpServer,
  type HttpService,
  httpService,
  StreamClient,
  StreamServer,
  streamService,
  systemClock,
} from '@coordinator/transport';
import { type MemoryCommand, MemoryCommandHandler } from '@coordinator/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { Gates } from './support/transport-gates.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function streamServer(handler: MemoryCommandHandler, port = 0) {
  const server = new StreamServer(handler, { port });
  const address = await server.listen();
  cleanup.push(() => server.close());
  return { server, port: address.port };
}

function gateway(
  port: number,
  options: Parameters<typeof streamService>[0] extends infer O ? Partial<O> : never = {},
) {
  const service = streamService({
    port,
    service: 'billing',
    reconnectInitialDelayMs: 10,
    ...options,
  });
  cleanup.push(() => service.close());
  return service;
}

const step = { idempotencyKey: 'order-9:charge' };

describe('stream service gateway', () => {
  it("runs a remote Command whose id is the step's idempotency key; a repeat attaches to it", async () => {
    const handler = new MemoryCommandHandler({
      run: ({ payload }: MemoryCommand) => ({ charged: payload }),
    });
    const { port } = await streamServer(handler);
    const billing = gateway(port);
    await expect(billing.call(step, 'charge', 30)).resolves.toEqual({ charged: 30 });
    await expect(billing.call(step, 'charge', 30)).resolves.toEqual({ charged: 30 });
    expect(handler.runs).toEqual(new Map([['order-9:charge', 1]]));
  });

  it('turns a remote Command that failed into a terminal STEP_FAILED', async () => {
    const handler = new MemoryCommandHandler({
      run: () => {
        throw new CoordinatorError('STEP_FAILED', 'card declined');
      },
    });
    const { port } = await streamServer(handler);
    await expect(gateway(port).call(step, 'charge', 1)).rejects.toMatchObject({
      code: 'STEP_FAILED',
      message: 'billing: charge ended with STEP_FAILED: card declined',
    });
  });

  it('turns refusals into CmdDelayed when temporary and STEP_FAILED when not', async () => {
    const handler = new MemoryCommandHandler({ types: ['charge'] });
    const { port } = await streamServer(handler);
    const billing = gateway(port);
    await expect(billing.call(step, 'refund', 1)).rejects.toMatchObject({ code: 'STEP_FAILED' });
    handler.refusal = new CoordinatorError('SUSPENDED', 'node suspended');
    await expect(billing.call(step, 'charge', 1)).rejects.toMatchObject({ code: 'DELAYED' });
  });

  it('turns an unreachable service into CmdDelayed, then its open breaker into CmdBlocked', async () => {
    const probe = new StreamServer(new MemoryCommandHandler());
    const { port } = await probe.listen();
    await probe.close();
    const billing = gateway(port, { breaker: { failureThreshold: 2, openMs: 60_000 } });
    await expect(billing.call(step, 'charge', 1)).rejects.toMatchObject({ code: 'DELAYED' });
    await expect(billing.call(step, 'charge', 1)).rejects.toMatchObject({ code: 'DELAYED' });
    await expect(billing.call(step, 'charge', 1)).rejects.toMatchObject({
      code: 'BLOCKED',
      message: expect.stringContaining('billing: charge not sent: the circuit is open until'),
    });
  });

  it('turns a call that outlives its timeout into CmdDelayed', async () => {
    const gates = new Gates();
    const handler = new MemoryCommandHandler({ run: ({ id }: MemoryCommand) => gates.wait(id) });
    const { port } = await streamServer(handler);
    await expect(gateway(port, { timeoutMs: 50 }).call(step, 'charge', 1)).rejects.toMatchObject({
      code: 'DELAYED',
      message: 'billing: charge timed out after 50 ms',
    });
  });
});

describe('the core Driver behind both servers', () => {
  it('runs a Command that calls a real HTTP service: a 503 delays it, the retry completes it', async () => {
    const calls: { key: string | undefined; url: string | undefined }[] = [];
    const greeter: Server = createServer((req, res) => {
      calls.push({ key: req.headers['idempotency-key'] as string | undefined, url: req.url });
      req.resume();
      const status = calls.length === 1 ? 503 : 200;
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(status === 200 ? { greeting: `hello ${req.url?.slice(1)}` } : {}));
    });
    await new Promise<void>((resolve) => greeter.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => greeter.close(resolve)));
    const base = `http://127.0.0.1:${(greeter.address() as AddressInfo).port}`;

    const greet = defineCommand({
      type: 'greet',
      services: ['greeter'],
      exec: (ctx, name: string, receiver: { greeter: HttpService }) =>
        ctx.step('greeter', 'hello', (info) => receiver.greeter.get(info, `/${name}`)),
    });
    const driver = new Driver({
      log: new MemoryEventLog(),
      clock: systemClock,
      random: new SeededRandom(1),
      ids: new SequentialIds(),
      types: [greet],
      receiver: { greeter: httpService(base, { service: 'greeter' }) },
      options: { partitions: 1, slowRetryIntervalMs: 20, jitterMs: 5 },
    });
    await driver.start();
    cleanup.push(() => driver.close());
    const handler = new DriverHandler(driver, [greet], 'gateway-test');

    const stream = new StreamServer(handler);
    const { port } = await stream.listen();
    cleanup.push(() => stream.close());
    const client = new StreamClient({ port });
    cleanup.push(() => client.close());
    const call = client.submit({ type: 'greet', payload: 'ada', id: 'g-1' });
    const states: string[] = [];
    for await (const reply of call) states.push(reply.state);
    expect(states).toEqual(['executing', 'done']);
    await expect(call.result).resolves.toEqual({
      id: 'g-1',
      state: 'done',
      result: { greeting: 'hello ada' },
    });
    expect(calls).toEqual([
      { key: 'g-1:hello', url: '/ada' },
      { key: 'g-1:hello', url: '/ada' },
    ]);

    const http = new HttpServer(handler);
    const { port: httpPort } = await http.listen();
    cleanup.push(() => http.close());
    const response = await fetch(`http://127.0.0.1:${httpPort}/v1/commands/g-1`);
    const view = (await response.json()) as { events: { kind: string }[] };
    expect(view).toMatchObject({
      id: 'g-1',
      type: 'greet',
      state: 'done',
      attempts: 2,
      outcomes: [{ service: 'greeter', step: 'hello', outcome: { greeting: 'hello ada' } }],
      result: { greeting: 'hello ada' },
    });
    expect(view.events.map((e) => e.kind)).toContain('delayed');
    const ready = await fetch(`http://127.0.0.1:${httpPort}/readyz`);
    expect(ready.status).toBe(200);
  });
});
