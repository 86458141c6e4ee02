/**
 * One node, end to end: real node processes (the `coordinator` CLI), real sockets, the example's
 * real HTTP services, the file log with fsync. coordinator-go's integration scenarios, made strict.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { LogRecord } from '@coordinator/core';
import { FileLog } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { describe, expect, it } from 'vitest';
import type { ToyService } from '../examples/order-saga/toy-service.js';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, runCli, startNode, submit, tempDir } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const order = { type: 'order', payload: { sku: 'A-1', qty: 2, amount: 40 } };
const slow = 1000;
const jitter = 100;

const fixture = nodeFixture({
  args: ['--slow-retry-interval', String(slow), '--jitter', String(jitter)],
  env: { SERVICE_TIMEOUT_MS: '1000', BREAKER_FAILURES: '100', COORDINATOR_LOG_LEVEL: 'info' },
});

function node(dataDir: string, args: string[] = [], env: Record<string, string> = {}) {
  return fixture.node({ dataDir, args, env });
}

/** Every record of every partition of a stopped node's data directory. */
async function records(dataDir: string): Promise<LogRecord[]> {
  const log = await FileLog.open({ dir: dataDir });
  const all: LogRecord[] = [];
  try {
    for (let partition = 0; partition < 16; partition++) {
      for await (const batch of log.read(partition, 0)) all.push(...batch.map((b) => b.record));
    }
  } finally {
    await log.close();
  }
  return all;
}

describe('a node', () => {
  it('returns a 3-step result; the log holds accepted, three outcomes and done, in order', async () => {
    const dataDir = await tempDir();
    const n = await node(dataDir);
    const { status, body } = await submit(n.url, order, { wait: 10_000 });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      state: 'done',
      result: { reservation: expect.stringMatching(/^R-/) },
    });
    await n.kill('SIGTERM');
    const own = (await records(dataDir)).filter((r) => r.id === body.id);
    expect(own.map((r) => (r.kind === 'outcome' ? `outcome:${r.step}` : r.kind))).toEqual([
      'accepted',
      'started',
      'outcome:reserve',
      'outcome:charge',
      'outcome:ship',
      'done',
    ]);
  });

  it('retries a step that reports Delayed twice after about two slow intervals; the original stream request gets the result', async () => {
    const n = await node(await tempDir());
    fixture.services.payments.script.push('down', 'down');
    const client = new StreamClient({ host: n.stream.host, port: n.stream.port });
    try {
      const started = Date.now();
      const call = client.submit(order);
      const accepted = await call.accepted;
      expect(accepted.state).toBe('executing');
      const final = await call.result;
      const elapsed = Date.now() - started;
      expect(final).toMatchObject({
        id: accepted.id,
        state: 'done',
        result: { payment: expect.any(String) },
      });
      expect(elapsed).toBeGreaterThanOrEqual(2 * (slow - jitter));
      expect(elapsed).toBeLessThan(2 * (slow + jitter) + 3000);
      // Over HTTP, by id: two delays, two retries, attempts 3.
      const { body } = await getCommand(n.url, accepted.id);
      expect(body).toMatchObject({ state: 'done', attempts: 3 });
      expect(body.events.map((e: { kind: string }) => e.kind)).toEqual([
        'accepted',
        'started',
        'outcome',
        'delayed',
        'retried',
        'delayed',
        'retried',
        'outcome',
        'outcome',
        'done',
      ]);
      // And with wait: the same final answer.
      const again = await submit(n.url, { ...order, id: accepted.id }, { wait: 1000 });
      expect(again.body).toMatchObject({ id: accepted.id, state: 'done' });
    } finally {
      await client.close();
    }
  });

  it('suspends on a Blocked step: new Commands get SUSPENDED with Retry-After, retries go slow then fast, and it accepts again', async () => {
    const n = await node(await tempDir(), ['--fast-retry-interval', '0'], {
      BREAKER_FAILURES: '1',
      BREAKER_OPEN_MS: '1500',
    });
    fixture.services.payments.mode = 'down';
    const ids = await Promise.all(
      [1, 2, 3].map(async () => (await submit(n.url, order)).body.id as string),
    );
    await waitFor('the node to suspend', async () => {
      const answer = await submit(n.url, order);
      return answer.status === 503 ? answer : undefined;
    }).then((refused) => {
      expect(refused.body.error.code).toBe('SUSPENDED');
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    });
    fixture.services.payments.mode = 'ok';
    const views = await Promise.all(
      ids.map((id) =>
        waitFor(
          `${id} to finish`,
          async () => {
            const { body } = await getCommand(n.url, id);
            return body.state === 'done' ? body : undefined;
          },
          20_000,
        ),
      ),
    );
    // While suspended, a Command's retries are a slow interval apart.
    for (const view of views) {
      const waits = view.events.filter(
        (e: { kind: string }) => e.kind === 'blocked' || e.kind === 'delayed',
      );
      const retries = view.events.filter((e: { kind: string }) => e.kind === 'retried');
      expect(waits.length).toBeGreaterThan(0);
      waits.forEach((wait: { at: number }, i: number) => {
        const retry = retries[i] as { at: number } | undefined;
        if (retry) expect(retry.at - wait.at).toBeLessThanOrEqual(slow + jitter + 500);
      });
    }
    // The first success switched to the fast interval: the last waiting retries came at once.
    const lastRetries = views.map((v) =>
      Math.max(
        ...v.events
          .filter((e: { kind: string }) => e.kind === 'retried')
          .map((e: { at: number }) => e.at),
      ),
    );
    expect(Math.max(...lastRetries) - Math.min(...lastRetries)).toBeLessThan(slow - jitter);
    // The node's own log tells the story: suspended, then accepting again once nothing waits.
    const suspension = await waitFor('the node to accept again', () => {
      const states = n.logs.filter((l) => l.type === 'node.suspension').map((l) => l.state);
      return states.at(-1) === 'accepting' ? states : undefined;
    });
    expect(suspension[0]).toBe('suspended-slow');
    expect((await submit(n.url, order, { wait: 10_000 })).body.state).toBe('done');
  });

  it('resumes an unfinished Command left by a killed node without re-running its recorded steps', async () => {
    const dataDir = await tempDir();
    const first = await node(dataDir);
    fixture.services.shipping.mode = 'down';
    const { body } = await submit(first.url, order);
    await waitFor('the ship step to be delayed', async () => {
      const view = await getCommand(first.url, body.id);
      return view.body.state === 'delayed' ? true : undefined;
    });
    await first.kill('SIGKILL');
    fixture.services.shipping.mode = 'ok';
    const callsBefore = { ...(await stats(fixture.services.inventory)).calls };
    const second = await node(dataDir);
    const done = await waitFor('the recovered Command to finish', async () => {
      const view = await getCommand(second.url, body.id);
      return view.body.state === 'done' ? view.body : undefined;
    });
    expect(done.result).toMatchObject({ tracking: expect.any(String) });
    expect((await stats(fixture.services.inventory)).calls).toEqual(callsBefore);
    expect((await stats(fixture.services.payments)).calls[`${body.id}:charge`]).toBe(1);
  });

  it('refuses the Command over maxCmds with OVERLOADED; capacity returns as Commands finish', async () => {
    const n = await node(await tempDir(), ['--max-cmds', '3']);
    fixture.services.shipping.mode = 'down';
    for (let i = 0; i < 3; i++) expect((await submit(n.url, order)).status).toBe(202);
    const refused = await submit(n.url, order);
    expect(refused.status).toBe(503);
    expect(refused.body.error.code).toBe('OVERLOADED');
    expect(refused.headers.get('retry-after')).toBeTruthy();
    fixture.services.shipping.mode = 'ok';
    await waitFor(
      'capacity to return',
      async () => {
        const answer = await submit(n.url, order);
        return answer.status === 202 ? answer : undefined;
      },
      10_000,
      200,
    );
  });

  it('never creates a second Command for the same id or Idempotency-Key, also across a restart', async () => {
    const dataDir = await tempDir();
    const first = await node(dataDir);
    const a = await submit(first.url, { ...order, id: 'order-42' }, { wait: 10_000 });
    const b = await submit(first.url, order, {
      wait: 10_000,
      headers: { 'idempotency-key': 'order-43' },
    });
    expect([a.body.id, b.body.id]).toEqual(['order-42', 'order-43']);
    const again = await submit(first.url, { ...order, id: 'order-42' });
    expect(again.body).toMatchObject({ id: 'order-42', state: 'done' });
    await first.kill('SIGKILL');
    const second = await node(dataDir);
    for (const id of ['order-42', 'order-43']) {
      const answer = await submit(second.url, order, { headers: { 'idempotency-key': id } });
      expect(answer.body).toMatchObject({ id, state: 'done' });
    }
    expect((await stats(fixture.services.inventory)).calls['order-42:reserve']).toBe(1);
    await second.kill('SIGTERM');
    const accepted = (await records(dataDir)).filter((r) => r.kind === 'accepted').map((r) => r.id);
    expect(accepted.filter((id) => id === 'order-42')).toHaveLength(1);
    expect(accepted.filter((id) => id === 'order-43')).toHaveLength(1);
  });

  it('answers bad input with coded errors and keeps running', async () => {
    const n = await node(await tempDir());
    const unknown = await submit(n.url, { type: 'refund', payload: {} });
    expect(unknown).toMatchObject({ status: 404, body: { error: { code: 'UNKNOWN_COMMAND' } } });
    const invalid = await submit(n.url, {
      type: 'order',
      payload: { sku: 'A', qty: 0, amount: 1 },
    });
    expect(invalid).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_PAYLOAD', message: expect.stringContaining('`qty`') } },
    });
    const huge = await submit(n.url, {
      type: 'order',
      payload: { sku: 'x'.repeat(2 * 1024 * 1024), qty: 1, amount: 1 },
    });
    expect(huge).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect((await submit(n.url, order, { wait: 10_000 })).body.state).toBe('done');
  });

  it('refuses a config file with a wrong option, naming it, and exits', async () => {
    const dir = await tempDir();
    const config = join(dir, 'bad.config.mjs');
    await writeFile(
      config,
      `export default { commands: [{ type: 'x' }], receiver: () => ({}), options: { maxCmds: -1 } };\n`,
    );
    await expect(startNode({ dataDir: dir, config, env: fixture.env })).rejects.toThrow(
      /INVALID_OPTION: Expected node option `maxCmds` \(from config file\) to be an integer from 1 and up, got `-1` \(number\)/,
    );
    await expect(
      startNode({ dataDir: dir, config: join(dir, 'missing.ts'), env: fixture.env }),
    ).rejects.toThrow(/INVALID_OPTION: Config file .*missing.ts does not exist/);
  });

  it('drives a node from the CLI: submit --wait, get, list, status, and --help', async () => {
    const n = await node(await tempDir());
    const cli = (...args: string[]) => runCli([...args, '--url', n.url]);
    const submitted = await cli(
      'submit',
      'order',
      JSON.stringify(order.payload),
      '--id',
      'cli-1',
      '--wait',
      '10000',
    );
    expect(submitted).toMatchObject({ code: 0, json: { id: 'cli-1', state: 'done' } });
    expect(await cli('get', 'cli-1')).toMatchObject({
      code: 0,
      json: { id: 'cli-1', attempts: 1 },
    });
    expect((await cli('list', '--state', 'done')).json).toMatchObject({
      commands: [{ id: 'cli-1' }],
    });
    expect(await cli('status')).toMatchObject({ code: 0, json: { ready: true } });
    const missing = await cli('get', 'nope');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('UNKNOWN_COMMAND');
    const bad = await cli('submit', 'order', '{not json');
    expect(bad.stderr).toContain('INVALID_PAYLOAD: The payload is not JSON');
    const help = await runCli(['start', '--help']);
    expect(help.stdout).toContain('--slow-retry-interval <ms>');
  });

  it('shuts down gracefully on SIGTERM (exit 0) and loses nothing', async () => {
    const dataDir = await tempDir();
    const first = await node(dataDir);
    fixture.services.shipping.mode = 'down';
    const { body } = await submit(first.url, order);
    await waitFor('a delayed Command', async () =>
      (await getCommand(first.url, body.id)).body.state === 'delayed' ? true : undefined,
    );
    expect(await first.kill('SIGTERM')).toBe(0);
    expect(first.logs.some((l) => l.msg === 'node node-1 stopped')).toBe(true);
    fixture.services.shipping.mode = 'ok';
    const second = await node(dataDir);
    await waitFor('the Command to finish after the restart', async () =>
      (await getCommand(second.url, body.id)).body.state === 'done' ? true : undefined,
    );
  });

  it('a second node on the same data directory is FENCED and the first keeps working', async () => {
    const dataDir = await tempDir();
    const first = await node(dataDir);
    await expect(node(dataDir)).rejects.toThrow(/FENCED/);
    expect((await submit(first.url, order, { wait: 10_000 })).body.state).toBe('done');
  });
});

async function stats(service: ToyService) {
  const response = await fetch(`${service.url}/admin/stats`);
  return (await response.json()) as {
    calls: Record<string, number>;
    effects: Record<string, number>;
  };
}
