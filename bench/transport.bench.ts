/**
 * Stream protocol round trips: a no-op Command, submit → final result (`until: 'result'`, one
 * frame each way like the echo; the `+ interim` rows also stream the `accepted` reply) over 1 and 8
 * connections, each connection with one Command in flight, beside Node's raw `net` echo of a
 * same-sized frame over the same number of connections, measured in the same run. Servers run in
 * a child process, clients here, so each side has a core. Cases run in short interleaved rounds,
 * so that load from other processes falls on all of them alike; rates are the median over rounds,
 * latencies come from all rounds. A pipelined case (32 in flight per connection) is shown too.
 * Prints a table and writes `bench/results/transport.json`.
 *
 * Target: with one Command in flight per connection, at least 50% of the raw echo rate.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
// bench/ is not a workspace package, so it imports the sources (tsx maps .js to .ts).
import type { CommandView, Submission } from '@coordinator/core';
import {
  type CommandHandler,
  encodeFrame,
  StreamClient,
  StreamServer,
} from '@coordinator/transport';

const rounds = Number(process.env.COORDINATOR_BENCH_ROUNDS ?? 5);
const sliceMs = Number(process.env.COORDINATOR_BENCH_SLICE_MS ?? 1_000);
const target = 0.5;

/** A handler whose Commands are done the moment they are accepted, keeping nothing. */
class NoopHandler implements CommandHandler {
  async submit(submission: Submission) {
    return { id: submission.id ?? randomUUID(), state: 'pending' as const, existing: false };
  }
  get() {
    return undefined;
  }
  list() {
    return { commands: [] };
  }
  async retryNow(id: string): Promise<CommandView> {
    return this.whenDone(id);
  }
  async cancel(id: string): Promise<CommandView> {
    return this.whenDone(id);
  }
  types() {
    return [];
  }
  async inspect() {
    return {};
  }
  async chart(): Promise<string> {
    return '';
  }
  async outcomes() {
    return { items: [], next: null, retention: { complete: true, oldest: null } };
  }
  async whenDone(id: string): Promise<CommandView> {
    return {
      id,
      type: 'noop',
      payload: null,
      state: 'done',
      step: 'done',
      partition: 0,
      attempts: 1,
      outcomes: [],
      failures: [],
      events: [],
      result: null,
      acceptedAt: 0,
      updatedAt: 0,
    };
  }
  status() {
    return { ready: true };
  }
}

async function serve(): Promise<void> {
  const stream = new StreamServer(new NoopHandler(), { nodeId: 'bench' });
  const { port: streamPort } = await stream.listen();
  const echo = createServer({ noDelay: true }, (socket) => {
    socket.on('data', (chunk) => socket.write(chunk));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
  const echoPort = (echo.address() as { port: number }).port;
  process.send?.({ streamPort, echoPort });
}

/** A sample submit frame: what one raw echo round trip carries. */
const echoFrame = encodeFrame({
  op: 'submit',
  seq: 123_456,
  type: 'noop',
  payload: null,
  id: randomUUID(),
});

interface Conn {
  /** Runs `depth` round trips at a time for `ms`; returns how many completed. */
  readonly run: (ms: number, depth: number, h: RecordableHistogram) => Promise<number>;
  readonly close: () => Promise<void>;
}

async function echoConnection(port: number): Promise<Conn> {
  const socket: Socket = connect({ host: '127.0.0.1', port, noDelay: true });
  await new Promise((resolve) => socket.once('connect', resolve));
  let onData: (bytes: number) => void = () => {};
  socket.on('data', (chunk: Buffer) => onData(chunk.length));
  return {
    run: (ms, depth, h) =>
      new Promise((resolve) => {
        const starts: number[] = [];
        const end = performance.now() + ms;
        let pending = 0;
        let done = 0;
        const send = () => {
          starts.push(performance.now());
          socket.write(echoFrame);
        };
        onData = (bytes) => {
          pending += bytes;
          while (pending >= echoFrame.length) {
            pending -= echoFrame.length;
            const now = performance.now();
            h.record(Math.max(1, Math.round((now - (starts.shift() ?? now)) * 1e6)));
            done++;
            if (now < end) send();
            else if (starts.length === 0) resolve(done);
          }
        };
        for (let i = 0; i < depth; i++) send();
      }),
    close: async () => {
      socket.destroy();
    },
  };
}

/**
 * A stream protocol connection. `until: 'result'` asks only for the final reply (one frame each
 * way, like the echo); the default also streams the interim `accepted` reply (two frames back).
 */
async function streamConnection(port: number, until: 'done' | 'result'): Promise<Conn> {
  const client = new StreamClient({ port });
  await client.connect();
  return {
    run: async (ms, depth, h) => {
      const end = performance.now() + ms;
      let done = 0;
      const lane = async () => {
        while (performance.now() < end) {
          const start = performance.now();
          await client.submit({ type: 'noop', payload: null }, { until }).result;
          h.record(Math.max(1, Math.round((performance.now() - start) * 1e6)));
          done++;
        }
      };
      await Promise.all(Array.from({ length: depth }, lane));
      return done;
    },
    close: () => client.close(),
  };
}

interface Case {
  readonly name: string;
  readonly connections: number;
  readonly depth: number;
  readonly conns: Conn[];
  readonly rates: number[];
  readonly h: RecordableHistogram;
}

async function measure(): Promise<void> {
  const child: ChildProcess = fork(fileURLToPath(import.meta.url), ['serve'], { stdio: 'inherit' });
  const ports = await new Promise<{ streamPort: number; echoPort: number }>((resolve) =>
    child.once('message', (m) => resolve(m as { streamPort: number; echoPort: number })),
  );
  const cases: Case[] = [];
  for (const [connections, depth] of [
    [1, 1],
    [8, 1],
    [8, 32],
  ] as const) {
    for (const kind of ['raw net echo', 'stream protocol', 'stream protocol + interim']) {
      const open = (port: number) =>
        kind === 'raw net echo'
          ? echoConnection(port)
          : streamConnection(port, kind === 'stream protocol' ? 'result' : 'done');
      const port = kind === 'raw net echo' ? ports.echoPort : ports.streamPort;
      const conns = await Promise.all(Array.from({ length: connections }, () => open(port)));
      cases.push({ name: kind, connections, depth, conns, rates: [], h: createHistogram() });
    }
  }
  for (const c of cases)
    await Promise.all(c.conns.map((conn) => conn.run(200, c.depth, createHistogram())));
  for (let round = 0; round < rounds; round++) {
    for (const c of cases) {
      const started = performance.now();
      const counts = await Promise.all(c.conns.map((conn) => conn.run(sliceMs, c.depth, c.h)));
      const seconds = (performance.now() - started) / 1000;
      c.rates.push(counts.reduce((a, b) => a + b, 0) / seconds);
    }
  }
  for (const c of cases) for (const conn of c.conns) await conn.close();
  child.kill();

  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
  const rows = cases.map((c) => {
    const raw = cases.find(
      (r) => r.name === 'raw net echo' && r.connections === c.connections && r.depth === c.depth,
    );
    const rate = median(c.rates);
    return {
      case: c.name,
      connections: c.connections,
      inFlightPerConnection: c.depth,
      roundTripsPerSecond: Math.round(rate),
      p50Us: Math.round(c.h.percentile(50) / 1000),
      p99Us: Math.round(c.h.percentile(99) / 1000),
      ofRawEcho: raw ? Number((rate / median(raw.rates)).toFixed(2)) : 1,
    };
  });
  console.table(rows);
  const headline = rows.filter(
    (r) => r.case === 'stream protocol' && r.inFlightPerConnection === 1,
  );
  const met = headline.every((r) => r.ofRawEcho >= target);
  console.log(
    `target: stream protocol ≥ ${target * 100}% of raw echo with one Command in flight per connection: ${met ? 'met' : 'NOT met'}`,
  );
  const out = join(dirname(fileURLToPath(import.meta.url)), 'results', 'transport.json');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(
    out,
    `${JSON.stringify({ node: process.version, rounds, sliceMs, target, met, rows }, null, 2)}\n`,
  );
}

if (process.argv[2] === 'serve') await serve();
else await measure();
