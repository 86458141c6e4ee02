/**
 * HTTP fuzzing of a running node (issue 9): random methods, paths, query strings, headers and
 * bodies. Every answer is a documented status with an `{error: {code, message}}` body, the node
 * stays up, and a Command accepted before the fuzzing still completes.
 */
import { request } from 'node:http';
import { errorCodes } from '@coordinator/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, submit } from './support/node-process.js';
import { waitFor } from './support/wait-for.js';

interface Probe {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
}

const documented = new Set([200, 202, 400, 401, 404, 409, 413, 415, 503]);

const printable = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 40,
});
const segment = fc.oneof(
  printable.map((s) => encodeURIComponent(s)),
  fc.constantFrom(
    'v1',
    'commands',
    'healthz',
    'readyz',
    'metrics',
    '%',
    '%ZZ',
    '..',
    '%00',
    '%F0%9F',
  ),
);
const path = fc.oneof(
  fc.constantFrom('/v1/commands', '/v1/commands/', '/healthz', '/readyz', '/metrics', '/'),
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`),
  segment.map((id) => `/v1/commands/${id}`),
);
const queryValue = fc.oneof(
  printable,
  fc.constantFrom('0', '-1', '1e9', '99999999999999999999', 'done', 'order', '1000', ''),
);
const query = fc
  .array(fc.tuple(fc.constantFrom('wait', 'state', 'type', 'limit', 'id', 'x'), queryValue), {
    maxLength: 4,
  })
  .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));
const headers = fc.record(
  {
    'content-type': fc.constantFrom(
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/octet-stream',
      'garbage',
    ),
    'idempotency-key': printable,
    authorization: printable,
    accept: fc.constantFrom('*/*', 'text/html', 'application/json'),
  },
  { requiredKeys: [] },
);
const submission = fc.record(
  {
    type: fc.oneof(fc.constantFrom('order', 'nope', ''), fc.anything()),
    payload: fc.oneof(
      fc.record({ sku: printable, qty: fc.integer(), amount: fc.double() }),
      fc.anything(),
    ),
    id: fc.oneof(printable, fc.anything()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  fc.constant(undefined),
  submission.map((s) => Buffer.from(JSON.stringify(s) ?? 'null')),
  fc.json().map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  printable.map((text) => Buffer.from(`{"type":"order","payload":${text}`)),
);
const probe: fc.Arbitrary<Probe> = fc.record({
  method: fc.oneof(
    { arbitrary: fc.constant('POST'), weight: 4 },
    { arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'), weight: 3 },
  ),
  path: fc
    .tuple(
      fc.oneof(
        { arbitrary: fc.constant('/v1/commands'), weight: 3 },
        { arbitrary: path, weight: 2 },
      ),
      query,
    )
    .map(([p, q]) => `${p}${q}`),
  headers,
  body,
});

function send(url: string, { method, path: target, headers: sent, body: bytes }: Probe) {
  const { hostname, port } = new URL(url);
  return new Promise<{ status: number; text: string }>((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        method,
        path: target,
        headers: { ...sent, ...(bytes ? { 'content-length': bytes.length } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end(bytes);
  });
}

const fixture = nodeFixture({
  args: ['--slow-retry-interval', '300', '--jitter', '50'],
  env: { SERVICE_TIMEOUT_MS: '1000', BREAKER_FAILURES: '1000' },
});

describe('a running node under HTTP fuzzing', () => {
  it('answers every request with a documented status and coded error body, and keeps its Commands', async () => {
    const n = await fixture.node();
    fixture.services.shipping.mode = 'down';
    const before = await submit(n.url, {
      type: 'order',
      id: 'before-fuzz',
      payload: { sku: 'F-1', qty: 1, amount: 2 },
    });
    expect(before.status).toBe(202);
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(probe, async (p) => {
        const { status, text } = await send(n.url, p);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        expect([p.method, p.path, status, documented.has(status)]).toEqual([
          p.method,
          p.path,
          status,
          true,
        ]);
        if (status >= 400 && p.method !== 'HEAD') {
          const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
          expect(errorCodes).toContain(parsed.error?.code);
          expect(typeof parsed.error?.message).toBe('string');
        }
      }),
      { numRuns: 600 },
    );
    console.log(`http fuzz: ${[...statuses].map(([s, c]) => `${c}× ${s}`).join(', ')}`);
    expect((await fetch(`${n.url}/healthz`)).status).toBe(200);
    expect(statuses.get(400)).toBeGreaterThan(0);
    expect(statuses.get(404)).toBeGreaterThan(0);
    fixture.services.shipping.mode = 'ok';
    await waitFor('the Command accepted before the fuzzing to finish', async () => {
      const { body: view } = await getCommand(n.url, 'before-fuzz');
      return view.state === 'done' ? view : undefined;
    });
    expect((await getCommand(n.url, 'before-fuzz')).body.result).toBeDefined();
  });
});
