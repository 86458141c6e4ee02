import type { ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ProcessRun,
  repoRoot,
  runToEnd,
  type SpawnedProcess,
  type SpawnOptions,
  spawnTypeScript,
  tsxArgs,
} from './spawn-process.js';

const cliPath = join(repoRoot, 'packages/node/src/cli.ts');
const exampleConfig = join(repoRoot, 'examples/order-saga/coordinator.config.ts');

/** A fresh, uniquely named data directory. */
export function tempDir(prefix = 'coordinator-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export interface NodeProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly stream: { host: string; port: number };
  /** Every JSON log line so far. */
  readonly logs: Record<string, unknown>[];
  /** What the process wrote to stderr so far. */
  readonly stderr: readonly string[];
  /** Resolves with the exit code (or signal) when the process ends. */
  readonly exited: Promise<number | string>;
  kill(signal?: NodeJS.Signals): Promise<number | string>;
}

export interface NodeProcessOptions {
  readonly dataDir: string;
  readonly config?: string;
  readonly args?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  /** @default 30000 */
  readonly readyTimeoutMs?: number;
}

/** A stdout line of the node: its JSON log record, or `{ msg }` for anything else. */
function logRecord(line: string): Record<string, unknown> {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return { msg: line };
  }
}

const isReady = (log: Record<string, unknown>) =>
  typeof log.msg === 'string' && / ready: /.test(log.msg);

/** Starts `coordinator start` as a real process and waits until it logs that it is ready. */
export async function startNode(options: NodeProcessOptions): Promise<NodeProcess> {
  const logs: Record<string, unknown>[] = [];
  const node = spawnTypeScript(
    cliPath,
    [
      'start',
      '--config',
      options.config ?? exampleConfig,
      '--data-dir',
      options.dataDir,
      '--http',
      '127.0.0.1:0',
      '--stream',
      '127.0.0.1:0',
      ...(options.args ?? []),
    ],
    { ...(options.env ? { env: options.env } : {}), onLine: (line) => logs.push(logRecord(line)) },
  );
  let ready: { http: { host: string; port: number }; stream: { host: string; port: number } };
  try {
    const line = await node.waitForLine(
      (l) => isReady(logRecord(l)),
      options.readyTimeoutMs ?? 30_000,
    );
    ready = logRecord(line) as typeof ready;
  } catch (error) {
    // Never leave a half-started node behind.
    await node.kill('SIGKILL');
    throw new Error(`The node did not get ready: ${(error as Error).message}`, { cause: error });
  }
  return {
    child: node.child,
    url: `http://${ready.http.host}:${ready.http.port}`,
    stream: ready.stream,
    logs,
    get stderr() {
      return [node.stderr];
    },
    exited: node.exited,
    kill: (signal: NodeJS.Signals = 'SIGKILL') => node.kill(signal),
  };
}

/** A JSON answer of the HTTP API, loosely typed for assertions. */
interface ApiBody {
  readonly id: string;
  readonly state: string;
  readonly attempts: number;
  readonly result?: Record<string, unknown>;
  readonly error: { readonly code: string; readonly message: string };
  readonly events: readonly { readonly kind: string; readonly at: number }[];
  readonly [field: string]: unknown;
}

/** POST /v1/commands; returns status, headers and JSON body. */
export async function submit(
  url: string,
  body: unknown,
  { wait, headers = {} }: { wait?: number; headers?: Record<string, string> } = {},
) {
  const response = await fetch(`${url}/v1/commands${wait === undefined ? '' : `?wait=${wait}`}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as ApiBody,
  };
}

/** A JSON answer whose shape the test's assertions check, so any field may be read. */
// biome-ignore lint/suspicious/noExplicitAny: the assertions are the type check
export type AnyJson = any;

/** Any request to a node; returns status and the JSON body. */
export async function requestJson(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; headers: Headers; body: AnyJson }> {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: await response.json() };
}

/** `POST /v1/commands/{id}/retry|cancel`. */
export function act(url: string, id: string, action: 'retry' | 'cancel') {
  return requestJson(`${url}/v1/commands/${encodeURIComponent(id)}/${action}`, { method: 'POST' });
}

export async function getCommand(url: string, id: string) {
  const response = await fetch(`${url}/v1/commands/${encodeURIComponent(id)}`);
  return { status: response.status, body: (await response.json()) as ApiBody };
}

/** What a finished `coordinator` CLI run printed, with stdout parsed as JSON when it is. */
export interface CliRun extends ProcessRun {
  readonly json: unknown;
}

/** Starts the `coordinator` CLI (from source) as a process a test can watch and kill. */
export function spawnCli(args: readonly string[], options?: SpawnOptions): SpawnedProcess {
  return spawnTypeScript(cliPath, args, options);
}

/** Runs the `coordinator` CLI (from source) to its end. */
export async function runCli(
  args: readonly string[],
  { env = {} }: { env?: Readonly<Record<string, string>> } = {},
): Promise<CliRun> {
  const run = await runToEnd(process.execPath, [...tsxArgs, cliPath, ...args], { env });
  let json: unknown;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    json = undefined;
  }
  return { ...run, json };
}
