import { createServer, type Server, type Socket } from 'node:net';
import { CoordinatorError } from '@coordinator/core';
import { SeededRandom, SimulatedClock } from '@coordinator/core/testing';
import {
  encodeFrame,
  StreamClient,
  type StreamClientOptions,
  StreamServer,
  type StreamServerOptions,
  type TransportEvent,
} from '@coordinator/transport';
import { type MemoryCommand, MemoryCommandHandler } from '@coordinator/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { settled } from './support/settled.js';
import { Gates } from './support/transport-gates.js';
import { frame, RawPeer } from './support/transport-raw-peer.js';
import { waitFor } from './support/wait-for.js';

const cleanup: (() => Promise<unknown> | unknown)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function startServer(
  handler: MemoryCommandHandler,
  options: Partial<StreamServerOptions> = {},
) {
  const events: TransportEvent[] = [];
  const server = new StreamServer(handler, {
    nodeId: 'node-a',
    onEvent: (e) => events.push(e),
    ...options,
  });
  const { port } = await server.listen();
  cleanup.push(() => server.close());
  return { server, port, events };
}

function startClient(port: number, options: Partial<StreamClientOptions> = {}) {
  const events: TransportEvent[] = [];
  const client = new StreamClient({ port, onEvent: (e) => events.push(e), ...options });
  cleanup.push(() => client.close());
  return { client, events };
}

/**
 * A TCP server that greets each connection with `greet` and then never writes again (it reads and
 * drops whatever comes). Returns its port.
 */
async function fakeServer(greet: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    socket.resume();
    greet(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => {
    for (const socket of sockets) socket.destroy();
    return new Promise((resolve) => server.close(resolve));
  });
  return (server.address() as { port: number }).port;
}

/** A handler whose Commands finish when the test opens their gate (keyed by payload `n`). */
function gatedHandler() {
  const gates = new Gates();
  const handler = new MemoryCommandHandler({
    run: ({ payload }: MemoryCommand) => gates.wait(String((payload as { n: number }).n)),
  });
  return { gates, handler };
}

describe('stream protocol', () => {
  it('pipelines many Commands on one connection; they complete out of order', async () => {
    const { gates, handler } = gatedHandler();
    const { server, port } = await startServer(handler);
    const { client, events } = startClient(port);
    const calls = Array.from({ length: 200 }, (_, n) =>
      client.submit({ type: 'job', payload: { n } }),
    );
    const finished: number[] = [];
    const results = calls.map((call, n) =>
      call.result.then((r) => {
        finished.push(n);
        return r;
      }),
    );
    await waitFor('every Command accepted', () => handler.runs.size === 200);
    const order = Array.from({ length: 200 }, (_, n) => (n * 7919) % 200);
    for (const n of order) gates.open(String(n), `result ${n}`);
    const all = await Promise.all(results);
    expect(all.map((r) => r.result)).toEqual(calls.map((_, n) => `result ${n}`));
    expect(all.every((r, n) => r.id === calls[n]?.id && r.state === 'done')).toBe(true);
    expect(finished).toEqual(order);
    expect(server.connections).toBe(1);
    expect(events.filter((e) => e.type === 'client.connected')).toHaveLength(1);
  });

  it('streams an interim result once the Command is durable, then the final one', async () => {
    const { gates, handler } = gatedHandler();
    const { port } = await startServer(handler);
    const { client } = startClient(port);
    const call = client.submit({ type: 'job', payload: { n: 1 }, id: 'order-1' });
    const replies: unknown[] = [];
    const iterating = (async () => {
      for await (const reply of call) replies.push(reply);
    })();
    await expect(call.accepted).resolves.toEqual({
      id: 'order-1',
      state: 'pending',
      existing: false,
    });
    expect(replies).toHaveLength(1);
    gates.open('1', 'shipped');
    await iterating;
    expect(replies).toEqual([
      { id: 'order-1', state: 'pending', existing: false },
      { id: 'order-1', state: 'done', result: 'shipped' },
    ]);
    const acceptedOnly = client.submit({ type: 'job', payload: { n: 2 } }, { until: 'accepted' });
    await expect(acceptedOnly.result).resolves.toMatchObject({ state: 'pending' });
    // `until: result`: no interim reply, only the result.
    const resultOnly = client.submit(
      { type: 'job', payload: { n: 3 }, id: 'order-3' },
      { until: 'result' },
    );
    const only: unknown[] = [];
    const collecting = (async () => {
      for await (const reply of resultOnly) only.push(reply);
    })();
    await waitFor('order-3 to run', () => handler.runs.has('order-3'));
    gates.open('3', 'packed');
    await collecting;
    expect(only).toEqual([{ id: 'order-3', state: 'done', result: 'packed' }]);
  });

  it('answers a resubmit with the existing Command and never runs it twice', async () => {
    const { handler } = gatedHandler();
    const { port } = await startServer(handler);
    const { client } = startClient(port);
    const first = client.submit({ type: 'job', payload: { n: 1 }, id: 'same' });
    await first.accepted;
    const again = client.submit({ type: 'job', payload: { n: 1 }, id: 'same' });
    await expect(again.accepted).resolves.toMatchObject({ id: 'same', existing: true });
    expect(handler.runs.get('same')).toBe(1);
  });

  it('survives a server restart mid-stream: lost calls fail with CONNECTION_LOST, resubmits complete', async () => {
    const { gates, handler } = gatedHandler();
    const first = await startServer(handler);
    const { client, events } = startClient(first.port, { reconnectInitialDelayMs: 20 });
    const calls = Array.from({ length: 10 }, (_, n) =>
      client.submit({ type: 'job', payload: { n } }),
    );
    await Promise.all(calls.map((c) => c.accepted));
    await first.server.close();
    const lost = await Promise.all(calls.map((c) => settled(c.result)));
    for (const outcome of lost) {
      expect(outcome.ok).toBe(false);
      expect(outcome.ok || outcome.error).toMatchObject({
        code: 'CONNECTION_LOST',
        retryable: true,
      });
    }
    await startServer(handler, { port: first.port });
    await waitFor('the client to reconnect', () => client.connected);
    expect(events.some((e) => e.type === 'client.reconnecting')).toBe(true);
    const resubmitted = calls.map((c, n) =>
      client.submit({ type: 'job', payload: { n }, id: c.id }),
    );
    await expect(resubmitted[0]?.accepted).resolves.toMatchObject({ existing: true });
    for (let n = 0; n < 10; n++) gates.open(String(n), n * n);
    const results = await Promise.all(resubmitted.map((c) => c.result));
    expect(results.map((r) => r.result)).toEqual(calls.map((_, n) => n * n));
    expect([...handler.runs.values()].every((runs) => runs === 1)).toBe(true);
  });

  it('queues requests made while disconnected and fails them when the attempt fails', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const { client } = startClient(port);
    const outcome = await settled(client.submit({ type: 'job', payload: 1 }).result);
    expect(outcome.ok || outcome.error).toMatchObject({
      code: 'CONNECTION_LOST',
      message: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('reconnects with exponential backoff and jitter', async () => {
    const probe = new StreamServer(new MemoryCommandHandler());
    const { port } = await probe.listen();
    await probe.close();
    const clock = new SimulatedClock(0);
    const { client, events } = startClient(port, {
      clock,
      random: new SeededRandom(3),
      reconnectInitialDelayMs: 100,
      reconnectMaxDelayMs: 1_000,
    });
    await expect(client.connect()).rejects.toMatchObject({ code: 'CONNECTION_LOST' });
    const delays: number[] = [];
    for (let attempt = 1; attempt <= 7; attempt++) {
      const event = await waitFor(`reconnect attempt ${attempt}`, () =>
        events.find((e) => e.type === 'client.reconnecting' && e.attempt === attempt),
      );
      if (event.type === 'client.reconnecting') delays.push(event.delayMs);
      expect(clock.pending).toBe(1);
      clock.fireNext();
    }
    delays.forEach((delay, i) => {
      const step = Math.min(1_000, 100 * 2 ** i);
      expect(delay).toBeGreaterThanOrEqual(step / 2);
      expect(delay).toBeLessThan(step);
    });
    expect(new Set(delays.slice(4)).size).toBeGreaterThan(1);
  });

  it('detects a server that went silent through keepalive', async () => {
    const port = await fakeServer((socket) =>
      socket.write(
        encodeFrame({
          op: 'hello',
          protocol: 'coordinator-stream',
          version: 1,
          nodeId: 'mute',
          maxFrameBytes: 1 << 20,
          keepaliveTimeoutMs: 60_000,
        }),
      ),
    );
    const { client, events } = startClient(port, {
      keepaliveIntervalMs: 20,
      keepaliveTimeoutMs: 100,
    });
    await client.connect();
    const started = Date.now();
    const outcome = await settled(client.submit({ type: 'job', payload: 1 }).result);
    expect(outcome.ok || outcome.error).toMatchObject({
      code: 'CONNECTION_LOST',
      message: expect.stringContaining('no data from'),
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    await waitFor('a reconnect', () => events.some((e) => e.type === 'client.reconnecting'));
  });

  it('drops a client that went silent', async () => {
    const { port, events } = await startServer(new MemoryCommandHandler(), {
      keepaliveIntervalMs: 20,
      keepaliveTimeoutMs: 100,
    });
    const peer = await RawPeer.greeted(port);
    await peer.closed;
    expect(peer.messages.at(-1)).toMatchObject({ op: 'close', error: { code: 'CONNECTION_LOST' } });
    expect(peer.messages.some((m) => m.op === 'ping')).toBe(true);
    await waitFor('the server to report the close', () =>
      events.some(
        (e) => e.type === 'stream.connection.closed' && e.error?.code === 'CONNECTION_LOST',
      ),
    );
  });

  it('stops reading a client that does not read its replies, then drops it', async () => {
    const handler = new MemoryCommandHandler();
    const { port, events } = await startServer(handler, {
      keepaliveIntervalMs: 20,
      keepaliveTimeoutMs: 200,
    });
    const { client } = startClient(port);
    for (let n = 0; n < 20; n++) {
      await client.submit({ type: 'big', payload: 'x'.repeat(10_000), id: `big-${n}` }).result;
    }
    const peer = await RawPeer.greeted(port);
    peer.stopReading();
    for (let seq = 1; seq <= 100; seq++) peer.send(frame({ op: 'list', seq, limit: 20 }));
    await waitFor('the server to stop reading', () =>
      events.some((e) => e.type === 'stream.backpressure' && e.paused),
    );
    await waitFor('the server to drop the client', () =>
      events.some(
        (e) => e.type === 'stream.connection.closed' && e.error?.code === 'CONNECTION_LOST',
      ),
    );
    peer.destroy();
    await expect(client.get('big-0')).resolves.toMatchObject({ state: 'done' });
  });

  it('answers a fault inside the handler with INTERNAL and an event', async () => {
    const handler = new MemoryCommandHandler();
    handler.refusal = new TypeError('cannot read properties of undefined') as never;
    const { port, events } = await startServer(handler);
    const { client } = startClient(port);
    await expect(client.submit({ type: 'job', payload: 1 }).result).rejects.toMatchObject({
      code: 'INTERNAL',
      retryable: false,
      message: 'The node failed to handle submit: cannot read properties of undefined',
    });
    expect(events).toContainEqual({
      type: 'handler.failed',
      operation: 'submit',
      error: { code: 'INTERNAL', message: 'cannot read properties of undefined' },
    });
  });

  it('refuses an incompatible server with a clear error and stops reconnecting', async () => {
    const port = await fakeServer((socket) =>
      socket.write(frame({ op: 'hello', protocol: 'coordinator-stream', version: 2, nodeId: 'x' })),
    );
    const { client, events } = startClient(port);
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CoordinatorError);
    expect(error).toMatchObject({
      code: 'UNSUPPORTED_VERSION',
      message: `127.0.0.1:${port} is not a compatible coordinator-stream server: it speaks version 2; this client speaks version 1`,
    });
    await expect(client.submit({ type: 'job', payload: 1 }).result).rejects.toMatchObject({
      code: 'UNSUPPORTED_VERSION',
    });
    expect(events.some((e) => e.type === 'client.reconnecting')).toBe(false);
  });

  it('refuses an incompatible client', async () => {
    const { port } = await startServer(new MemoryCommandHandler());
    const peer = await RawPeer.connect(port);
    await peer.next((m) => m.op === 'hello');
    peer.send(
      frame({ op: 'hello', protocol: 'coordinator-stream', version: 9, maxFrameBytes: 4096 }),
    );
    await peer.closed;
    expect(peer.messages.at(-1)).toMatchObject({
      op: 'close',
      error: { code: 'UNSUPPORTED_VERSION' },
    });
  });

  it('stops reading a connection while too many Commands are pending on it', async () => {
    let running = 0;
    let most = 0;
    const gates = new Gates();
    const handler = new MemoryCommandHandler({
      run: async ({ payload }: MemoryCommand) => {
        most = Math.max(most, ++running);
        await gates.wait(String((payload as { n: number }).n));
        running--;
        return payload;
      },
    });
    const { port, events } = await startServer(handler, { maxPendingPerConnection: 4 });
    const { client } = startClient(port);
    const calls = Array.from({ length: 20 }, (_, n) =>
      client.submit({ type: 'job', payload: { n } }),
    );
    await waitFor('the server to pause', () =>
      events.some((e) => e.type === 'stream.backpressure' && e.paused),
    );
    expect(handler.submissions).toHaveLength(4);
    for (let n = 0; n < 20; n++) {
      await waitFor(`Command ${n} to arrive`, () => handler.runs.size > n);
      gates.open(String(n), n);
    }
    await Promise.all(calls.map((c) => c.result));
    expect(most).toBe(4);
    expect(handler.submissions).toHaveLength(20);
    expect(events.at(-1)).toMatchObject({ type: 'stream.backpressure', paused: false });
  });

  it('cancels a call through its signal; no more replies come for it', async () => {
    const { gates, handler } = gatedHandler();
    const { port } = await startServer(handler);
    const { client } = startClient(port);
    const controller = new AbortController();
    const call = client.submit(
      { type: 'job', payload: { n: 1 }, id: 'c1' },
      { signal: controller.signal },
    );
    await call.accepted;
    await waitFor('the server to wait for c1', () => handler.waiting('c1') === 1);
    controller.abort(new Error('no longer needed'));
    await expect(call.result).rejects.toThrow('no longer needed');
    gates.open('1', 'late');
    await waitFor('c1 to finish', () => handler.get('c1')?.state === 'done');
    await expect(
      client.submit({ type: 'job', payload: { n: 2 } }, { until: 'accepted' }).result,
    ).resolves.toMatchObject({ state: 'pending' });
    const replies: unknown[] = [];
    const iterate = async () => {
      for await (const reply of call) replies.push(reply);
    };
    await expect(iterate()).rejects.toThrow('no longer needed');
    expect(replies).toEqual([{ id: 'c1', state: 'pending', existing: false }]);
  });

  it("refuses, locally, a Command over the server's frame limit; the connection stays", async () => {
    const { port } = await startServer(new MemoryCommandHandler(), { maxFrameBytes: 1024 });
    const { client } = startClient(port);
    await client.connect();
    const big = client.submit({ type: 'job', payload: 'x'.repeat(2_000) });
    await expect(big.result).rejects.toMatchObject({ code: 'FRAME_TOO_LARGE' });
    await expect(client.submit({ type: 'job', payload: 'ok' }).result).resolves.toMatchObject({
      result: 'ok',
    });
  });

  it('rejects a refused submission with its code', async () => {
    const handler = new MemoryCommandHandler({ types: ['job'] });
    const { port } = await startServer(handler);
    const { client } = startClient(port);
    handler.refusal = new CoordinatorError('OVERLOADED', 'maxCmds reached');
    await expect(client.submit({ type: 'job', payload: 1 }).result).rejects.toMatchObject({
      code: 'OVERLOADED',
      retryable: true,
      message: 'maxCmds reached',
    });
    handler.refusal = undefined;
    await expect(client.submit({ type: 'nope', payload: 1 }).result).rejects.toMatchObject({
      code: 'UNKNOWN_COMMAND',
    });
  });

  it('gets and lists Commands', async () => {
    const handler = new MemoryCommandHandler();
    const { port } = await startServer(handler);
    const { client } = startClient(port);
    await client.submit({ type: 'a', payload: 1, id: 'one' }).result;
    await client.submit({ type: 'b', payload: 2, id: 'two' }).result;
    await expect(client.get('one')).resolves.toMatchObject({ id: 'one', state: 'done', result: 1 });
    await expect(client.get('zzz')).rejects.toMatchObject({ code: 'UNKNOWN_COMMAND' });
    await expect(client.list({ type: 'b' })).resolves.toMatchObject([{ id: 'two' }]);
    await expect(client.list({ limit: 0 })).rejects.toMatchObject({ code: 'INVALID_PAYLOAD' });
  });
});
