import { errorCodes } from '@coordinator/core';
import { StreamClient, StreamServer, type TransportEvent } from '@coordinator/transport';
import { MemoryCommandHandler } from '@coordinator/transport/testing';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { frame, RawPeer } from './support/transport-raw-peer.js';
import { waitFor } from './support/wait-for.js';

const maxFrameBytes = 4096;
const knownOps = ['hello', 'submit', 'get', 'list', 'cancel', 'ping'];
const codes: readonly string[] = errorCodes;

let server: StreamServer;
let port: number;
const events: TransportEvent[] = [];
let healthy: StreamClient;
let stopTraffic = false;
let traffic: Promise<void>;
const trafficStats = { ok: 0, failed: [] as unknown[] };

/** Round trips on a well-behaved connection, all through the fuzzing: none may fail. */
async function keepTrafficFlowing(): Promise<void> {
  let n = 0;
  while (!stopTraffic) {
    const batch = Array.from(
      { length: 8 },
      () => healthy.submit({ type: 'job', payload: { n: n++ } }).result,
    );
    for (const outcome of await Promise.allSettled(batch)) {
      if (outcome.status === 'fulfilled' && outcome.value.result !== undefined) trafficStats.ok++;
      else trafficStats.failed.push(outcome.status === 'rejected' ? outcome.reason : outcome.value);
    }
  }
}

beforeAll(async () => {
  const handler = new MemoryCommandHandler({
    types: ['job'],
    validate: ({ payload }) => {
      if (typeof (payload as { n?: unknown } | null)?.n !== 'number')
        throw new Error('n must be a number');
    },
  });
  server = new StreamServer(handler, {
    maxFrameBytes,
    handshakeTimeoutMs: 500,
    closeGraceMs: 200,
    onEvent: (e) => events.push(e),
  });
  ({ port } = await server.listen());
  healthy = new StreamClient({ port });
  await healthy.connect();
  traffic = keepTrafficFlowing();
});

afterAll(async () => {
  stopTraffic = true;
  await traffic;
  await healthy.close();
  await server.close();
  expect(trafficStats.failed).toEqual([]);
  expect(trafficStats.ok).toBeGreaterThan(0);
  expect(events.filter((e) => e.type === 'handler.failed')).toEqual([]);
});

/** Every message a server sends is one of its four kinds, with a known error code if any. */
function expectWellFormed(messages: readonly Record<string, unknown>[]): void {
  for (const m of messages) {
    expect(['hello', 'reply', 'ping', 'close']).toContain(m.op);
    const error = m.error as { code?: unknown; message?: unknown } | undefined;
    if (m.op === 'close' || error !== undefined) {
      expect(codes).toContain(error?.code);
      expect(typeof error?.message).toBe('string');
    }
    if (m.op === 'reply') {
      expect(Number.isSafeInteger(m.seq)).toBe(true);
      expect(typeof m.last).toBe('boolean');
    }
  }
}

/** Sends `bytes` (in pieces), hangs up, and waits until the server closed the connection. */
async function sendAndHangUp(peer: RawPeer, pieces: readonly Uint8Array[]): Promise<void> {
  for (const piece of pieces) peer.send(piece);
  peer.end();
  await waitFor('the server to close the connection', () => peer.isClosed);
  expectWellFormed(peer.messages);
}

const options = { numRuns: 100, endOnFailure: true };

describe('stream server under bad input', () => {
  it('random bytes, before or after the handshake, never crash it', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { minLength: 1, maxLength: 4 }),
        async (greet, pieces) => {
          const peer = greet ? await RawPeer.greeted(port) : await RawPeer.connect(port);
          await sendAndHangUp(peer, pieces);
        },
      ),
      options,
    );
  });

  it('an oversize length prefix closes that connection with FRAME_TOO_LARGE', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: maxFrameBytes + 1, max: 0xffff_ffff }),
        fc.uint8Array({ maxLength: 64 }),
        async (length, tail) => {
          const peer = await RawPeer.greeted(port);
          const header = Buffer.alloc(4);
          header.writeUInt32BE(length);
          peer.send(Buffer.concat([header, tail]));
          await peer.closed;
          expect(peer.messages.at(-1)).toMatchObject({
            op: 'close',
            error: { code: 'FRAME_TOO_LARGE' },
          });
        },
      ),
      options,
    );
  });

  it('a truncated frame gets no answer and no crash', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 30 }), fc.nat(), async (seq, cutAt) => {
        const peer = await RawPeer.greeted(port);
        const whole = frame({ op: 'submit', seq, type: 'job', payload: { n: 1 } });
        await sendAndHangUp(peer, [whole.subarray(0, cutAt % whole.length)]);
        expect(peer.messages.filter((m) => m.op === 'reply')).toEqual([]);
      }),
      options,
    );
  });

  it('a frame whose body is not a message closes that connection with PROTOCOL', async () => {
    const notAMap = fc.oneof(fc.integer(), fc.string(), fc.array(fc.nat()), fc.constant(null));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 200 }).map((body) => ({ body })),
          notAMap.map((value) => ({ value })),
        ),
        async (bad) => {
          const peer = await RawPeer.greeted(port);
          if ('value' in bad) peer.send(frame(bad.value));
          else {
            const header = Buffer.alloc(4);
            header.writeUInt32BE(bad.body.length);
            peer.send(Buffer.concat([header, bad.body]));
          }
          peer.end();
          await waitFor('the connection to close', () => peer.isClosed);
          expectWellFormed(peer.messages);
          const last = peer.messages.at(-1);
          if (last?.op === 'close') expect((last.error as { code: string }).code).toBe('PROTOCOL');
        },
      ),
      options,
    );
  });

  it('unknown ops and misshapen requests get coded replies; the connection keeps working', async () => {
    const request = fc.oneof(
      fc
        .string({ maxLength: 10 })
        .filter((op) => !knownOps.includes(op))
        .map((op) => ({ op })),
      fc.record({ op: fc.constant('submit'), type: fc.anything(), payload: fc.anything() }),
      fc.record({ op: fc.constant('submit'), type: fc.constant('job'), payload: fc.anything() }),
      fc.record(
        {
          op: fc.constant('submit'),
          type: fc.constant('job'),
          payload: fc.anything(),
          id: fc.anything(),
          until: fc.anything(),
        },
        { requiredKeys: ['op', 'type'] },
      ),
      fc.record({ op: fc.constant('get'), id: fc.anything() }),
      fc.record(
        { op: fc.constant('list'), state: fc.anything(), limit: fc.anything() },
        { requiredKeys: ['op'] },
      ),
    );
    const peer = await RawPeer.greeted(port);
    let seq = 0;
    await fc.assert(
      fc.asyncProperty(request, async (message) => {
        seq += 1;
        const mine = seq;
        peer.send(frame({ ...message, seq: mine }));
        const reply = await peer.next((m) => m.op === 'reply' && m.seq === mine && m.last === true);
        expectWellFormed([reply]);
        if (reply.error) {
          expect(['PROTOCOL', 'INVALID_PAYLOAD', 'UNKNOWN_COMMAND']).toContain(
            (reply.error as { code: string }).code,
          );
        }
      }),
      { ...options, numRuns: 300 },
    );
    seq += 1;
    peer.send(frame({ op: 'submit', seq, type: 'job', payload: { n: 7 } }));
    const done = await peer.next((m) => m.op === 'reply' && m.seq === seq && m.last === true);
    expect(done.value).toMatchObject({ state: 'done', result: { n: 7 } });
    expect(peer.isClosed).toBe(false);
    peer.destroy();
  });

  it('requests before the hello close the connection with PROTOCOL', async () => {
    const peer = await RawPeer.connect(port);
    await peer.next((m) => m.op === 'hello');
    peer.send(frame({ op: 'submit', seq: 1, type: 'job', payload: { n: 1 } }));
    await peer.closed;
    expect(peer.messages.at(-1)).toMatchObject({ op: 'close', error: { code: 'PROTOCOL' } });
  });

  it('a duplicate sequence number closes the connection with PROTOCOL', async () => {
    const peer = await RawPeer.greeted(port);
    const submit = frame({ op: 'submit', seq: 1, type: 'job', payload: { n: 1 } });
    peer.send(Buffer.concat([submit, submit]));
    await peer.closed;
    expect(peer.messages.at(-1)).toMatchObject({
      op: 'close',
      error: { code: 'PROTOCOL', message: 'Request 1 is already pending' },
    });
  });

  it('a client that never says hello is dropped after the handshake timeout', async () => {
    const peer = await RawPeer.connect(port);
    await peer.closed;
    expect(peer.messages.at(-1)).toMatchObject({ op: 'close', error: { code: 'PROTOCOL' } });
  });
});
