/**
 * The locked front door (issue 9): the API token on HTTP, the CLI and the stream protocol; no
 * listener beyond loopback without one; HTTPS with a test CA, for the node and for `httpService`.
 */
import { writeFile } from 'node:fs/promises';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { httpService, StreamClient } from '@coordinator/transport';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { runCli, tempDir } from './support/node-process.js';
import { generateCertificates, type TestCertificates } from './support/transport-certs.js';

const token = 'test-token-4f1c2a';
const order = { type: 'order', payload: { sku: 'A-1', qty: 1, amount: 5 } };

const fixture = nodeFixture();
let certs: TestCertificates;

function node(args: string[] = [], env: Record<string, string> = {}) {
  return fixture.node({ args, env });
}

function call(url: string, path: string, init: RequestInit = {}, bearer?: string) {
  return fetch(`${url}${path}`, {
    ...init,
    headers: {
      ...(init.headers as Record<string, string>),
      ...(bearer === undefined ? {} : { authorization: `Bearer ${bearer}` }),
    },
  });
}

const post = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(order),
};

beforeAll(() => {
  certs = generateCertificates();
});

afterAll(() => {
  certs?.remove();
});

describe('the API token', () => {
  it('answers 401 on every route but the probes without the right token, and serves them with it', async () => {
    const n = await node([], { COORDINATOR_API_TOKEN: token });
    const routes: [string, RequestInit][] = [
      ['/v1/commands?wait=1000', post],
      ['/v1/commands/some-id', {}],
      ['/v1/commands', {}],
      ['/metrics', {}],
      ['/no/such/route', {}],
      ['/v1/commands/some-id/retry', { method: 'POST' }],
      ['/v1/commands/some-id/cancel', { method: 'POST' }],
      ['/v1/types', {}],
      ['/v1/types/order/chart', {}],
      ['/v1/node', {}],
      ['/v1/outcomes?service=payments', {}],
      ['/v1/events', {}],
    ];
    for (const bearer of [undefined, 'wrong-token', `${token}x`, '']) {
      for (const [path, init] of routes) {
        const response = await call(n.url, path, init, bearer);
        expect([path, bearer, response.status]).toEqual([path, bearer, 401]);
        expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect(await response.json()).toMatchObject({ error: { code: 'UNAUTHORIZED' } });
      }
    }
    expect((await call(n.url, '/healthz')).status).toBe(200);
    expect((await call(n.url, '/readyz')).status).toBe(200);
    const submitted = await call(n.url, '/v1/commands?wait=10000', post, token);
    expect(submitted.status).toBe(200);
    const { id } = (await submitted.json()) as { id: string };
    expect((await call(n.url, `/v1/commands/${id}`, {}, token)).status).toBe(200);
    expect((await call(n.url, '/v1/commands', {}, token)).status).toBe(200);
    const metrics = await call(n.url, '/metrics', {}, token);
    expect(await metrics.text()).toContain('coordinator_commands_done_total');
  });

  it("lets the inspector page's session cookie in, set only for the right token", async () => {
    const n = await node([], { COORDINATOR_API_TOKEN: token });
    const signIn = await call(n.url, '/ui/');
    expect(signIn.status).toBe(200);
    expect(await signIn.text()).toContain('This node needs its API token');
    expect((await call(n.url, '/ui/assets/app.js')).status).toBe(401);
    const session = (body: unknown) =>
      call(n.url, '/ui/session', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    for (const wrong of [{ token: 'nope' }, { token: `${token}x` }, {}]) {
      const refused = await session(wrong);
      expect(refused.status).toBe(401);
      expect(refused.headers.get('set-cookie')).toBeNull();
    }
    const accepted = await session({ token });
    const cookie = accepted.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^coordinator-token=[^;]+; Path=\/; HttpOnly; SameSite=Strict/);
    const withCookie = { headers: { cookie: cookie.split(';')[0] as string } };
    expect((await call(n.url, '/v1/node', withCookie)).status).toBe(200);
    expect((await call(n.url, '/v1/commands', withCookie)).status).toBe(200);
    expect(await (await call(n.url, '/ui/', withCookie)).text()).not.toContain(
      'needs its API token',
    );
    const forged = { headers: { cookie: 'coordinator-token=guess' } };
    expect((await call(n.url, '/v1/node', forged)).status).toBe(401);
  });

  it('lets the CLI in with COORDINATOR_API_TOKEN or --token, and not without', async () => {
    const n = await node([], { COORDINATOR_API_TOKEN: token });
    const refused = await runCli(['list', '--url', n.url], { env: { COORDINATOR_API_TOKEN: '' } });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('UNAUTHORIZED');
    const byEnv = await runCli(
      ['submit', 'order', JSON.stringify(order.payload), '--wait', '10000', '--url', n.url],
      { env: { COORDINATOR_API_TOKEN: token } },
    );
    expect(byEnv).toMatchObject({ code: 0, json: { state: 'done' } });
    const byFlag = await runCli(['list', '--url', n.url, '--token', token]);
    expect(byFlag).toMatchObject({ code: 0, json: { commands: [{ state: 'done' }] } });
  });

  it('closes a stream connection whose hello lacks the token with UNAUTHORIZED, and serves one with it', async () => {
    const n = await node([], { COORDINATOR_API_TOKEN: token });
    const stranger = new StreamClient({ ...n.stream });
    await expect(stranger.submit(order).result).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await stranger.close();
    const wrong = new StreamClient({ ...n.stream, token: 'not-it' });
    await expect(wrong.submit(order).result).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    await wrong.close();
    const friend = new StreamClient({ ...n.stream, token });
    try {
      expect(await friend.submit(order).result).toMatchObject({ state: 'done' });
    } finally {
      await friend.close();
    }
  });

  it('serves /metrics without the token when metricsPublic is set, and nothing else', async () => {
    const n = await node(['--metrics-public'], { COORDINATOR_API_TOKEN: token });
    expect((await call(n.url, '/metrics')).status).toBe(200);
    expect((await call(n.url, '/v1/commands')).status).toBe(401);
  });

  it('reads the token from apiTokenFile', async () => {
    const file = join(await tempDir(), 'token');
    await writeFile(file, `${token}\n`);
    const n = await node(['--api-token-file', file]);
    expect((await call(n.url, '/v1/commands')).status).toBe(401);
    expect((await call(n.url, '/v1/commands', {}, token)).status).toBe(200);
  });
});

describe('binding', () => {
  it('refuses to listen beyond loopback without a token (INVALID_OPTION), unless allowInsecure says so', async () => {
    await expect(node(['--http', '0.0.0.0:0'])).rejects.toThrow(
      /INVALID_OPTION: Refusing to listen on http 0\.0\.0\.0:0 without an API token/,
    );
    const insecure = await node(['--http', '0.0.0.0:0', '--allow-insecure']);
    expect(
      insecure.logs.some(
        (l) => l.level === 40 && /allowInsecure: listening on http 0\.0\.0\.0/.test(String(l.msg)),
      ),
    ).toBe(true);
    const guarded = await node(['--stream', '0.0.0.0:0'], { COORDINATOR_API_TOKEN: token });
    expect(guarded.logs.some((l) => /allowInsecure/.test(String(l.msg)))).toBe(false);
  });
});

describe('TLS', () => {
  async function pemFiles() {
    const dir = await tempDir();
    const files = {
      cert: join(dir, 'server.crt'),
      key: join(dir, 'server.key'),
      ca: join(dir, 'ca.crt'),
    };
    await writeFile(files.cert, certs.serverCert);
    await writeFile(files.key, certs.serverKey);
    await writeFile(files.ca, certs.ca);
    return files;
  }

  it('serves the HTTP API over HTTPS and the stream protocol over TLS; the CLI trusts the test CA with --ca', async () => {
    const files = await pemFiles();
    const n = await node(['--tls-cert', files.cert, '--tls-key', files.key], {
      COORDINATOR_API_TOKEN: token,
    });
    const url = n.url.replace('http://', 'https://');
    await expect(fetch(`${url}/healthz`)).rejects.toThrow();
    const submitted = await runCli(
      ['submit', 'order', JSON.stringify(order.payload), '--wait', '10000', '--url', url],
      { env: { COORDINATOR_API_TOKEN: token, COORDINATOR_TLS_CA_FILE: files.ca } },
    );
    expect(submitted).toMatchObject({ code: 0, json: { state: 'done' } });
    const got = await runCli([
      'get',
      (submitted.json as { id: string }).id,
      '--url',
      url,
      '--ca',
      files.ca,
      '--token',
      token,
    ]);
    expect(got).toMatchObject({ code: 0, json: { state: 'done', attempts: 1 } });
    const client = new StreamClient({ ...n.stream, token, tls: { ca: certs.ca } });
    try {
      expect(await client.submit(order).result).toMatchObject({ state: 'done' });
    } finally {
      await client.close();
    }
  });

  it('lets httpService call an HTTPS service it trusts through its ca option', async () => {
    const server = createServer({ key: certs.serverKey, cert: certs.serverCert }, (req, res) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ key: req.headers['idempotency-key'] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const trusting = httpService(`https://127.0.0.1:${port}`, { ca: certs.ca, timeoutMs: 5000 });
      expect(await trusting.post({ idempotencyKey: 'k:1' }, '/x', {})).toEqual({ key: 'k:1' });
      const doubting = httpService(`https://127.0.0.1:${port}`, { timeoutMs: 5000 });
      await expect(doubting.post({ idempotencyKey: 'k:2' }, '/x', {})).rejects.toMatchObject({
        code: 'DELAYED',
        message: expect.stringMatching(/certificate/i),
      });
    } finally {
      server.close();
    }
  });
});
