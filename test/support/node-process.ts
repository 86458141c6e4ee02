import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait-for.js';

/** Kept here too for the tests that import it with the node helpers. */
export { waitFor };

const root = fileURLToPath(new URL('../..', import.meta.url));
export const cliPath = join(root, 'packages/node/src/cli.ts');
export const exampleConfig = join(root, 'examples/order-saga/coordinator.config.ts');

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
  readonly stderr: string[];
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

/** Starts `coordinator start` as a real process and waits until it logs that it is ready. */
export async function startNode(options: NodeProcessOptions): Promise<NodeProcess> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--conditions=@coordinator/source',
      cliPath,
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
    { cwd: root, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const logs: Record<string, unknown>[] = [];
  const stderr: string[] = [];
  let buffer = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffer += chunk.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ msg: line });
      }
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString('utf8')));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)),
  );
  let ended: number | string | undefined;
  void exited.then((code) => {
    ended = code;
  });
  let ready: { http: { host: string; port: number }; stream: { host: string; port: number } };
  try {
    ready = await waitFor(
      () =>
        `the node to be ready; it printed:\n${logs
          .slice(-5)
          .map((l) => JSON.stringify(l))
          .join('\n')}\n${stderr.join('')}`,
      () => {
        if (ended !== undefined) {
          throw new Error(`The node exited (${ended}) before it was ready:\n${stderr.join('')}`);
        }
        return logs.find((l) => typeof l.msg === 'string' && / ready: /.test(l.msg)) as
          | typeof ready
          | undefined;
      },
      options.readyTimeoutMs ?? 30_000,
    );
  } catch (error) {
    // Never leave a half-started node behind.
    child.kill('SIGKILL');
    await exited;
    throw error;
  }
  return {
    child,
    url: `http://${ready.http.host}:${ready.http.port}`,
    stream: ready.stream,
    logs,
    stderr,
    exited,
    kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (ended === undefined) child.kill(signal);
      return exited;
    },
  };
}

/** A JSON answer of the HTTP API, loosely typed for assertions. */
export interface ApiBody {
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

export async function getCommand(url: string, id: string) {
  const response = await fetch(`${url}/v1/commands/${encodeURIComponent(id)}`);
  return { status: response.status, body: (await response.json()) as ApiBody };
}

/** What a finished `coordinator` CLI run printed, with stdout parsed as JSON when it is. */
export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly json: unknown;
}

/** Runs the `coordinator` CLI (from source) to its end. */
export async function runCli(
  args: readonly string[],
  { env = {} }: { env?: Readonly<Record<string, string>> } = {},
): Promise<CliRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', '--conditions=@coordinator/source', cliPath, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  let json: unknown;
  try {
    json = JSON.parse(stdout);
  } catch {
    json = undefined;
  }
  return { code, stdout, stderr, json };
}
