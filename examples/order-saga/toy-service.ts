import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { canonicalJson } from '@coordinator/core';

/**
 * How a toy service answers:
 * - `ok`: at once; `slow`: after `slowMs` (past the gateway's timeout: CmdDelayed);
 * - `down`: 503 (CmdDelayed; enough of them open the breaker: CmdBlocked);
 * - `fail`: 422, a terminal error (the saga compensates);
 * - `flaky`: `failRate` of calls time out or get 503, the rest succeed.
 */
type Mode = 'ok' | 'slow' | 'down' | 'fail' | 'flaky';
const modes: readonly Mode[] = ['ok', 'slow', 'down', 'fail', 'flaky'];

export interface ToyService {
  readonly name: string;
  readonly url: string;
  mode: Mode;
  /** Modes for the next calls, used up one per call before `mode` applies again. */
  readonly script: Mode[];
  failRate: number;
  slowMs: number;
  /** Its data: every answer by idempotency key (what `GET /admin/state` shows). */
  readonly answers: Answers;
  /** Every call received, in order, with its arrival time. */
  readonly history: { readonly key: string; readonly path: string; readonly at: number }[];
  close(): Promise<void>;
}

/** What a path does; throw a `Refusal` for a business rule's 422. */
type Action = (body: Record<string, unknown>) => Record<string, unknown>;

/** A service's answers by idempotency key: its whole data. */
type Answers = ReadonlyMap<string, Record<string, unknown>>;

/** Totals a service derives from its answers (stock held, money charged), for its state dump. */
type Summary = (answers: readonly Record<string, unknown>[]) => Record<string, unknown>;

export class Refusal extends Error {}

async function readJson(request: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * A small real HTTP service for the example: idempotent by `Idempotency-Key` (a repeated key gets
 * the first answer and changes nothing), switchable between modes at run time through
 * `POST /admin/mode {"mode": "down"}` or the `<NAME>_MODE` environment variable, and counting calls
 * and effects per key (`GET /admin/stats`) so tests can prove no step ran twice.
 *
 * Its data is its answers by key, so it can lose it and be rebuilt from the Outcomes coordinator
 * recorded: `POST /admin/wipe` forgets everything, `POST /admin/rebuild` takes one Outcome as
 * `coordinator replay` sends it (200, or 208 when it had that key already: replaying twice changes
 * nothing), and `GET /admin/state` dumps the data with its `summary` as deterministic JSON.
 */
export async function startToyService(
  name: string,
  port: number,
  actions: Readonly<Record<string, Action>>,
  summary: Summary = () => ({}),
): Promise<ToyService> {
  const answers = new Map<string, Record<string, unknown>>();
  const calls = new Map<string, number>();
  const effects = new Map<string, number>();
  const envMode = process.env[`${name.toUpperCase()}_MODE`] as Mode | undefined;
  let server: Server | undefined;
  const service: ToyService = {
    name,
    url: '',
    mode: envMode && modes.includes(envMode) ? envMode : 'ok',
    script: [],
    answers,
    history: [],
    failRate: Number(process.env[`${name.toUpperCase()}_FAIL_RATE`] ?? 0.2),
    slowMs: 15_000,
    close: () =>
      new Promise<void>((resolve) => {
        server?.closeAllConnections();
        server?.close(() => resolve());
      }),
  };
  server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) =>
      send(response, 400, { error: String(error) }),
    );
  });
  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = request.url ?? '/';
    if (path === '/admin/mode' && request.method === 'POST') {
      const body = await readJson(request);
      if (!modes.includes(body.mode as Mode))
        return send(response, 400, { error: `mode must be one of ${modes.join(', ')}` });
      service.mode = body.mode as Mode;
      if (Array.isArray(body.script))
        service.script.splice(0, Infinity, ...(body.script as Mode[]));
      if (typeof body.failRate === 'number') service.failRate = body.failRate;
      return send(response, 200, { service: name, mode: service.mode, failRate: service.failRate });
    }
    if (path === '/admin/stats') {
      return send(response, 200, {
        service: name,
        mode: service.mode,
        calls: Object.fromEntries(calls),
        effects: Object.fromEntries(effects),
      });
    }
    if (path.startsWith('/admin/')) return admin(path, request, response);
    const action = actions[path];
    if (!action || request.method !== 'POST')
      return send(response, 404, { error: `no ${request.method} ${path}` });
    const key = String(request.headers['idempotency-key'] ?? '');
    const body = await readJson(request);
    calls.set(key, (calls.get(key) ?? 0) + 1);
    service.history.push({ key, path, at: Date.now() });
    const current = service.script.shift() ?? service.mode;
    const unlucky = () => (Math.random() < 0.5 ? 'slow' : 'down');
    const mode =
      current === 'flaky' ? (Math.random() < service.failRate ? unlucky() : 'ok') : current;
    if (mode === 'slow') await new Promise((r) => setTimeout(r, service.slowMs));
    if (mode === 'down') return send(response, 503, { error: `${name} is down` });
    if (mode === 'fail') return send(response, 422, { error: `${name} refuses ${path}` });
    const known = answers.get(key);
    if (known) return send(response, 200, known);
    let result: Record<string, unknown>;
    try {
      result = action(body);
    } catch (error) {
      if (error instanceof Refusal) return send(response, 422, { error: error.message });
      throw error;
    }
    const answer = { service: name, ...result, key };
    answers.set(key, answer);
    effects.set(key, (effects.get(key) ?? 0) + 1);
    send(response, 200, answer);
  }
  /** The data-loss drill: wipe, dump, rebuild from a replayed Outcome. */
  async function admin(path: string, request: IncomingMessage, response: ServerResponse) {
    if (path === '/admin/state' && request.method === 'GET') {
      const entries = [...answers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const totals = summary(entries.map(([, answer]) => answer));
      const state = { service: name, byKey: Object.fromEntries(entries), ...totals };
      response.writeHead(200, { 'content-type': 'application/json' }).end(canonicalJson(state));
      return;
    }
    if (path === '/admin/wipe' && request.method === 'POST') {
      const wiped = answers.size;
      for (const data of [answers, calls, effects]) data.clear();
      return send(response, 200, { service: name, wiped });
    }
    if (path === '/admin/rebuild' && request.method === 'POST') {
      const replayed = await readJson(request);
      const key = String(request.headers['idempotency-key'] ?? '');
      if (replayed.service !== name) {
        return send(response, 422, { error: `this is ${name}, not ${String(replayed.service)}` });
      }
      if (key === '' || decodeURIComponent(key) !== replayed.idempotencyKey) {
        return send(response, 400, { error: "Idempotency-Key must be the Outcome's key" });
      }
      const outcome = replayed.outcome;
      if (typeof outcome !== 'object' || outcome === null) {
        return send(response, 422, { error: `the Outcome of ${key} is not an answer of ${name}` });
      }
      if (answers.has(key)) return send(response, 208, { service: name, key, already: true });
      answers.set(key, outcome as Record<string, unknown>);
      return send(response, 200, { service: name, key, rebuilt: true });
    }
    return send(response, 404, { error: `no ${request.method} ${path}` });
  }
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return Object.assign(service, { url: `http://127.0.0.1:${actual}` });
}
