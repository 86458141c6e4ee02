/**
 * What a new user broke (issue 9), through real node processes over HTTP, the stream protocol and
 * the CLI: conflicting resubmits, long and exotic ids, faults on our side of the wire, oversize
 * bodies, huge waits, signals through `pnpm coordinator`, and log noise under an outage.
 */
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { StreamClient } from '@coordinator/transport';
import { describe, expect, it } from 'vitest';
import { listening } from './support/free-port.js';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, runCli, submit, tempDir } from './support/node-process.js';
import { spawnProcess } from './support/spawn-process.js';
import { waitFor } from './support/wait-for.js';

const order = { sku: 'A-1', qty: 2, amount: 40 };

const fixture = nodeFixture({
  args: ['--slow-retry-interval', '300', '--jitter', '50'],
  env: { SERVICE_TIMEOUT_MS: '1000', BREAKER_FAILURES: '100' },
});

function node(args: string[] = [], env: Record<string, string> = {}, config?: string) {
  return fixture.node({ args, env, ...(config ? { config } : {}) });
}

describe('same id, different Command', () => {
  it('answers 409 ID_CONFLICT on HTTP (body id and Idempotency-Key), and the existing Command for an equal resubmit', async () => {
    const n = await node();
    const first = await submit(
      n.url,
      { type: 'order', id: 'o-1', payload: order },
      { wait: 10_000 },
    );
    expect(first.body.state).toBe('done');
    // The same payload with its keys in another order is the same Command.
    const again = await submit(
      n.url,
      { type: 'order', id: 'o-1', payload: { amount: 40, qty: 2, sku: 'A-1' } },
      { wait: 10_000 },
    );
    expect(again).toMatchObject({ status: 200, body: { id: 'o-1', result: first.body.result } });
    const other = await submit(n.url, { type: 'order', id: 'o-1', payload: { ...order, qty: 3 } });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'ID_CONFLICT' });
    expect(other.body.error.message).toContain('"o-1"');
    const byHeader = await submit(
      n.url,
      { type: 'order', payload: { ...order, amount: 1 } },
      { headers: { 'idempotency-key': 'o-1' } },
    );
    expect(byHeader.status).toBe(409);
    expect(byHeader.body.error.code).toBe('ID_CONFLICT');
    // Nothing ran for the conflicting submits: one Command, three calls.
    expect(fixture.services.payments.history.filter((h) => h.key === 'o-1:charge')).toHaveLength(1);
  });

  it('refuses a conflicting resubmit on the stream protocol and in the CLI', async () => {
    const n = await node();
    const client = new StreamClient({ ...n.stream });
    try {
      await client.submit({ type: 'order', id: 's-1', payload: order }).result;
      await expect(
        client.submit({ type: 'order', id: 's-1', payload: { ...order, sku: 'B-2' } }).result,
      ).rejects.toMatchObject({ code: 'ID_CONFLICT' });
      const same = await client.submit({ type: 'order', id: 's-1', payload: order }).result;
      expect(same).toMatchObject({ id: 's-1', state: 'done' });
    } finally {
      await client.close();
    }
    const cli = await runCli([
      'submit',
      'order',
      JSON.stringify({ ...order, qty: 9 }),
      '--id',
      's-1',
      '--url',
      n.url,
    ]);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toContain('ID_CONFLICT');
  });
});

describe('ids', () => {
  it('retrieves every accepted id up to 256 characters by HTTP and CLI, multi-byte ones included', async () => {
    const n = await node();
    const ids = [
      'a'.repeat(101),
      'b'.repeat(256),
      '✓'.repeat(256),
      '😀'.repeat(256),
      'a/b?c#d%e f',
    ];
    for (const id of ids) {
      const { status } = await submit(
        n.url,
        { type: 'order', id, payload: order },
        { wait: 10_000 },
      );
      expect(status).toBe(200);
      const got = await getCommand(n.url, id);
      expect(got).toMatchObject({ status: 200, body: { id, state: 'done' } });
    }
    for (const id of [ids[1] as string, ids[3] as string]) {
      const cli = await runCli(['get', id, '--url', n.url]);
      expect(cli).toMatchObject({ code: 0, json: { id, state: 'done' } });
    }
    const tooLong = await submit(n.url, { type: 'order', id: 'c'.repeat(257), payload: order });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.error.message).toMatch(/at most 256 characters/);
  });

  it('runs Commands with non-ASCII ids to done against a healthy service, and refuses control characters', async () => {
    const n = await node();
    for (const id of ['订单-✓', '🧾 order', 'naïve %41']) {
      const { status, body } = await submit(
        n.url,
        { type: 'order', id, payload: order },
        { wait: 10_000 },
      );
      expect({ status, state: body.state, error: body.error }).toEqual({
        status: 200,
        state: 'done',
        error: undefined,
      });
    }
    for (const id of ['a\nb', 'nul\u0000', 'del\u007f', 'c1\u0085', 'half\ud800']) {
      const { status, body } = await submit(n.url, { type: 'order', id, payload: order });
      expect(status).toBe(400);
      expect(body.error.code).toBe('INVALID_PAYLOAD');
    }
    const ready = (await (await fetch(`${n.url}/readyz`)).json()) as {
      detail: { suspension: string };
    };
    expect(ready.detail.suspension).toBe('accepting');
  });
});

describe('a fault inside the node before the request leaves', () => {
  const config = fileURLToPath(new URL('./support/faulty-step.config.ts', import.meta.url));

  it('fails the step terminally with INTERNAL (a saga compensates), opens no breaker and leaves the node accepting', async () => {
    const n = await node([], {}, config);
    const paymentCalls = fixture.services.payments.history.length;
    const saga = await submit(
      n.url,
      { type: 'faulty-saga', payload: { sku: 'F-1' } },
      { wait: 10_000 },
    );
    expect(saga.status).toBe(200);
    expect(saga.body.error.code).toBe('INTERNAL');
    const code = await submit(
      n.url,
      { type: 'faulty-code', payload: { amount: 3 } },
      { wait: 10_000 },
    );
    expect(code.body.error).toMatchObject({ code: 'INTERNAL' });
    expect(code.body.error.message).toMatch(/could not be built/);
    // The payments breaker opens after one failure: had the fault counted, this would block.
    const again = await submit(
      n.url,
      { type: 'faulty-code', payload: { amount: 4 } },
      { wait: 10_000 },
    );
    expect(again.body.error.code).toBe('INTERNAL');
    expect(fixture.services.payments.history).toHaveLength(paymentCalls);
    const view = await getCommand(n.url, saga.body.id);
    expect(view.body.events).toContainEqual(
      expect.objectContaining({
        kind: 'failed',
        step: 'charge',
        service: 'payments',
        code: 'INTERNAL',
        message: expect.stringMatching(/could not be built/),
      }),
    );
    expect(view.body.events.map((e) => e.kind)).toContain('outcome');
    const cli = await runCli(['get', saga.body.id, '--url', n.url]);
    expect(cli.stdout).toContain('could not be built');
    expect(
      n.logs.some(
        (l) =>
          typeof l.msg === 'string' &&
          /step charge failed: INTERNAL: .*could not be built/.test(l.msg),
      ),
    ).toBe(true);
    const ready = (await (await fetch(`${n.url}/readyz`)).json()) as {
      detail: { suspension: string; waiting: number };
    };
    expect(ready.detail).toMatchObject({ suspension: 'accepting', waiting: 0 });
  });
});

/** POSTs `bytes` at full speed with node:http; resolves with the status and body, or the error code. */
function postRaw(
  url: string,
  bytes: Buffer,
): Promise<{ status?: number; body?: string; error?: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const req = request(
      {
        host: hostname,
        port,
        method: 'POST',
        path: '/v1/commands',
        headers: { 'content-type': 'application/json', 'content-length': bytes.length },
      },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => {
          body += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve({ error: error.code ?? error.message }),
    );
    req.end(bytes);
  });
}

describe('oversize bodies', () => {
  it('answers a 10 MB body sent at full speed with 413 and its JSON, every time, and stays healthy', async () => {
    const n = await node();
    const big = Buffer.alloc(10 * 1024 * 1024, 0x61);
    const answers: unknown[] = [];
    for (let i = 0; i < 8; i++) {
      const raw = await postRaw(n.url, big);
      answers.push(raw.error ?? [raw.status, JSON.parse(raw.body ?? '{}').error?.code]);
      try {
        const response = await fetch(`${n.url}/v1/commands`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: big,
        });
        answers.push([response.status, ((await response.json()) as ApiError).error.code]);
      } catch (error) {
        answers.push((error as { cause?: { code?: string } }).cause?.code ?? String(error));
      }
    }
    expect(answers).toEqual(Array.from({ length: 16 }, () => [413, 'PAYLOAD_TOO_LARGE']));
    expect((await fetch(`${n.url}/healthz`)).status).toBe(200);
    expect(
      (await submit(n.url, { type: 'order', payload: order }, { wait: 10_000 })).body.state,
    ).toBe('done');
  });
});

interface ApiError {
  readonly error: { readonly code: string; readonly message: string };
}

describe('?wait=', () => {
  it('caps a wait of any length to the documented maximum, and names the limit for a bad one', async () => {
    const n = await node();
    const huge = await submit(
      n.url,
      { type: 'order', payload: order },
      { wait: 99_999_999_999_999 },
    );
    expect(huge).toMatchObject({ status: 200, body: { state: 'done' } });
    const response = await fetch(`${n.url}/v1/commands?wait=soon`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'order', payload: order }),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as ApiError).error.message).toMatch(/up to 60000/);
  });
});

describe('signals', () => {
  it('SIGTERM to `pnpm coordinator start` stops the node and frees its ports', async () => {
    const dataDir = await tempDir();
    const pnpm = spawnProcess(
      'pnpm',
      [
        'coordinator',
        'start',
        '--config',
        'examples/order-saga/coordinator.config.ts',
        '--data-dir',
        dataDir,
        '--http',
        '127.0.0.1:0',
        '--stream',
        '127.0.0.1:0',
      ],
      { env: fixture.env },
    );
    const output = () => `${pnpm.stdout}${pnpm.stderr}`;
    const readyLine = /"http":\{"host":"127\.0\.0\.1","port":(\d+)\}.*ready/;
    try {
      const line = await pnpm.waitForLine((l) => readyLine.test(l), 30_000);
      const ready = Number(readyLine.exec(line)?.[1]);
      expect(await listening(ready)).toBe(true);
      pnpm.child.kill('SIGTERM');
      await pnpm.exited;
      await waitFor(
        () => `port ${ready} to be free; the node printed:\n${output().slice(-2000)}`,
        async () => ((await listening(ready)) ? undefined : true),
        15_000,
      );
      expect(output()).toContain('node node-1 stopped');
    } finally {
      pnpm.child.kill('SIGKILL');
    }
  });
});

describe('noise', () => {
  it('logs the first delayed step of an outage and then per-service summaries, not a line per Command', async () => {
    const n = await node(['--log-level', 'info'], { COORDINATOR_WAIT_LOG_INTERVAL_MS: '400' });
    fixture.services.payments.mode = 'down';
    const ids: string[] = [];
    for (let i = 0; i < 20; i++)
      ids.push((await submit(n.url, { type: 'order', payload: order })).body.id);
    await waitFor('a summary of the payments outage', () =>
      n.logs.find((l) => l.type === 'service.waits' && l.service === 'payments'),
    );
    const delayedLines = n.logs.filter(
      (l) => typeof l.msg === 'string' && /delayed/.test(l.msg) && Number(l.level) >= 30,
    );
    const firsts = delayedLines.filter((l) => /unavailable/.test(String(l.msg)));
    expect(firsts).toHaveLength(1);
    expect(firsts[0]?.msg).toMatch(/payments: POST \/charge answered 503/);
    const summary = n.logs.find((l) => l.type === 'service.waits') as Record<string, unknown>;
    expect(summary).toMatchObject({ service: 'payments', lastError: { code: 'DELAYED' } });
    expect(Number(summary.delayed) + Number(summary.blocked)).toBeGreaterThan(0);
    expect(delayedLines.length).toBeLessThan(ids.length);
    fixture.services.payments.mode = 'ok';
    for (const id of ids) {
      await waitFor(`${id} to finish`, async () =>
        (await getCommand(n.url, id)).body.state === 'done' ? true : undefined,
      );
    }
  });

  it('prints recovery progress as `replayed X of ~Y records` when stderr is not a terminal', async () => {
    const dataDir = await tempDir();
    const first = await fixture.node({ dataDir });
    for (let i = 0; i < 30; i++) await submit(first.url, { type: 'order', payload: order });
    await first.kill('SIGKILL');
    const second = await fixture.node({ dataDir });
    expect(second.stderr.join('')).toMatch(/recovering: replayed \d+ of ~\d+ records/);
  });
});
