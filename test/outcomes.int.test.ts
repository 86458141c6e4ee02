/**
 * Outcome replay, the store-and-read half (issue 14): `GET /v1/outcomes` and `coordinator
 * outcomes` against real node processes running the example's order saga; the archive across a
 * SIGKILL; Outcomes outliving the log segments checkpoints delete; a finite retention.
 */
import { readOutcomes } from '@coordinator/node';
import { StreamClient } from '@coordinator/transport';
import { describe, expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { type AnyJson, requestJson, runCli, submit, tempDir } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

const token = 'outcome-token-8d2e';
const auth = { authorization: `Bearer ${token}` };
const fixture = nodeFixture({ env: { COORDINATOR_API_TOKEN: token } });

function order(i: number) {
  return { type: 'order', id: `order-${i}`, payload: { sku: `S-${i}`, qty: 1, amount: 10 + i } };
}

/** Runs orders `from`… to the end, `together` at a time. */
async function runOrders(url: string, from: number, count: number, together = 10): Promise<void> {
  for (let i = from; i < from + count; i += together) {
    await Promise.all(
      Array.from({ length: Math.min(together, from + count - i) }, async (_, k) => {
        const { status, body } = await submit(url, order(i + k), { wait: 20_000, headers: auth });
        expect(status, JSON.stringify(body)).toBe(200);
      }),
    );
  }
}

function outcomes(url: string, query: string) {
  return requestJson(`${url}/v1/outcomes?${query}`, { headers: auth });
}

describe('GET /v1/outcomes', () => {
  it("lists a service's Outcomes in log order, compensations marked, paged by cursor", async () => {
    const node = await fixture.node();
    await runOrders(node.url, 0, 3, 1);
    fixture.services.shipping.mode = 'fail';
    const failed = await submit(node.url, order(3), { wait: 20_000, headers: auth });
    expect(failed.body.state).toBe('done');
    expect(failed.body.error.code).toBeDefined();

    const { status, body } = await outcomes(node.url, 'service=payments');
    expect(status).toBe(200);
    const items = body.items as AnyJson[];
    expect(items.map((i) => [i.commandId, i.step, i.compensation])).toEqual([
      ['order-0', 'charge', false],
      ['order-1', 'charge', false],
      ['order-2', 'charge', false],
      ['order-3', 'charge', false],
      ['order-3', 'compensate:charge', true],
    ]);
    expect(items[0]).toEqual({
      cursor: expect.any(String),
      commandId: 'order-0',
      type: 'order',
      step: 'charge',
      service: 'payments',
      idempotencyKey: 'order-0:charge',
      at: expect.any(Number),
      outcome: expect.anything(),
      compensation: false,
    });
    expect(body.next).toBeNull();
    expect(body.retention).toEqual({
      complete: true,
      oldest: { cursor: items[0].cursor, at: items[0].at },
    });

    // The stream protocol answers the same page.
    const client = new StreamClient({ ...node.stream, token });
    await client.connect();
    expect(await client.outcomes({ service: 'payments' })).toEqual(body);
    await expect(client.outcomes({ service: 'payments', after: 'x' })).rejects.toMatchObject({
      code: 'INVALID_CURSOR',
    });
    await client.close();

    const first = await outcomes(node.url, 'service=payments&limit=2');
    expect(first.body.items).toEqual(items.slice(0, 2));
    const second = await outcomes(node.url, `service=payments&limit=2&after=${first.body.next}`);
    expect(second.body.items).toEqual(items.slice(2, 4));
    const since = await outcomes(node.url, `service=payments&since=${items[4].at}`);
    expect(since.body.items.at(-1)).toEqual(items[4]);
  });

  it('refuses bad queries with coded errors, and strangers without the token', async () => {
    const node = await fixture.node();
    const stranger = await requestJson(`${node.url}/v1/outcomes?service=payments`);
    expect(stranger.status).toBe(401);
    const cases: [string, number, string, string][] = [
      ['service=payments&limit=1001', 400, 'INVALID_PAYLOAD', '`limit`'],
      ['service=payments&limit=0', 400, 'INVALID_PAYLOAD', '`limit`'],
      ['service=payments&after=not-a-cursor', 400, 'INVALID_CURSOR', '`after`'],
      ['service=payments&since=yesterday', 400, 'INVALID_PAYLOAD', '`since`'],
      ['limit=5', 400, 'INVALID_PAYLOAD', '`service`'],
      ['service=billing', 404, 'UNKNOWN_SERVICE', 'billing'],
    ];
    for (const [query, status, code, named] of cases) {
      const { status: got, body } = await outcomes(node.url, query);
      expect({ query, got, code: body.error.code }).toEqual({ query, got: status, code });
      expect(body.error.message).toContain(named);
    }
    const empty = await outcomes(node.url, 'service=shipping');
    expect(empty.body).toEqual({
      items: [],
      next: null,
      retention: { complete: true, oldest: null },
    });
  });

  it('keeps every acknowledged Outcome across a SIGKILL', async () => {
    const dataDir = await tempDir();
    let node = await fixture.node({ dataDir });
    await runOrders(node.url, 0, 30);
    await node.kill('SIGKILL');
    node = await fixture.node({ dataDir });
    const { body } = await outcomes(node.url, 'service=inventory&limit=1000');
    const ids = (body.items as AnyJson[]).map((i) => i.commandId).sort();
    expect(ids).toEqual(Array.from({ length: 30 }, (_, i) => `order-${i}`).sort());
  });
});

describe('coordinator outcomes', () => {
  it('prints every Outcome as NDJSON, from a cursor, at most --limit', async () => {
    const node = await fixture.node();
    await runOrders(node.url, 0, 5, 1);
    const api = (await outcomes(node.url, 'service=shipping')).body.items as AnyJson[];
    const cli = (args: string[]) =>
      runCli(['outcomes', '--service', 'shipping', '--url', node.url, ...args], {
        env: { COORDINATOR_API_TOKEN: token },
      });
    const lines = (stdout: string) =>
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown);

    const all = await cli([]);
    expect(all.code, all.stderr).toBe(0);
    expect(lines(all.stdout)).toEqual(api);
    const after = await cli(['--after', api[1].cursor, '--limit', '2']);
    expect(lines(after.stdout)).toEqual(api.slice(2, 4));

    // The paging the CLI (and a replay) reads with: page after page from a cursor.
    const target = { url: node.url, token };
    const paged: unknown[] = [];
    for await (const item of readOutcomes(target, { service: 'shipping', pageSize: 2 })) {
      paged.push(item);
    }
    expect(paged).toEqual(api);
    const some: unknown[] = [];
    const range = { service: 'shipping', after: api[0].cursor, limit: 3, pageSize: 2 };
    for await (const item of readOutcomes(target, range)) some.push(item);
    expect(some).toEqual(api.slice(1, 4));

    const unknown = await cli(['--service', 'billing']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('UNKNOWN_SERVICE');
    const refused = await runCli(['outcomes', '--service', 'shipping', '--url', node.url], {
      env: { COORDINATOR_API_TOKEN: '' },
    });
    expect(refused.stderr).toContain('UNAUTHORIZED');
  });
});

describe('Outcome retention', () => {
  it('keeps Outcomes readable after checkpoints let the log delete the segments holding them', async () => {
    const node = await fixture.node({
      args: ['--retain-segments', 'from-checkpoint'],
      env: {
        COORDINATOR_SEGMENT_BYTES: '4096',
        COORDINATOR_CHECKPOINT_INTERVAL_MS: '50',
        // Finished Commands pin the checkpoint until this many newer ones finished.
        COORDINATOR_DONE_RETENTION: '5',
      },
    });
    await runOrders(node.url, 0, 60);
    await waitFor('the first log segment deleted', () =>
      node.logs.find(
        (l) => l.type === 'file-log.segment-deleted' && String(l.file).endsWith('0000.seg'),
      ),
    );
    const { body } = await outcomes(node.url, 'service=payments&limit=1000');
    // Ten at a time: their Outcomes interleave, so compare them as sets.
    expect((body.items as AnyJson[]).map((i) => i.commandId).sort()).toEqual(
      Array.from({ length: 60 }, (_, i) => `order-${i}`).sort(),
    );
    expect(body.retention.complete).toBe(true);
  });

  it('drops the oldest Outcomes past a finite retention and says from where it is complete', async () => {
    const node = await fixture.node({
      args: ['--outcome-retention', '2KiB', '--outcome-retention-by-service', 'shipping=forever'],
      env: { COORDINATOR_ARCHIVE_SEGMENT_BYTES: '512' },
    });
    await runOrders(node.url, 0, 40);
    const payments = (await outcomes(node.url, 'service=payments&limit=1000')).body;
    const ids = (payments.items as AnyJson[]).map((i) => i.commandId);
    expect(ids).toContain('order-39');
    expect(ids).not.toContain('order-0');
    expect(payments.retention).toEqual({
      complete: false,
      oldest: { cursor: payments.items[0].cursor, at: payments.items[0].at },
    });
    const shipping = (await outcomes(node.url, 'service=shipping&limit=1000')).body;
    expect(shipping.items).toHaveLength(40);
    expect(shipping.retention.complete).toBe(true);
  });
});
