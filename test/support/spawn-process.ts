import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root: where spawned processes run unless told otherwise. */
export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

/** Node's arguments that run a TypeScript file from the workspace's sources. */
export const tsxArgs = ['--import', 'tsx', '--conditions=@coordinator/source'] as const;

export interface SpawnOptions {
  /** @default the repository root */
  readonly cwd?: string;
  /** Set on top of this process's environment. */
  readonly env?: Readonly<Record<string, string>>;
  /** Keep stdin open, for {@link SpawnedProcess.send}. @default false */
  readonly stdin?: boolean;
  /** Sends SIGTERM after this long. @default never */
  readonly timeoutMs?: number;
  /** Told each complete stdout line as it arrives (they are kept in `lines` too). */
  readonly onLine?: (line: string) => void;
  /** Told each complete stderr line as it arrives (they are kept in `stderr` too). */
  readonly onStderrLine?: (line: string) => void;
}

/** Splits a stream's text into lines; an unfinished last line counts once the stream ends. */
function eachLine(stream: NodeJS.ReadableStream | null, onLine: (line: string) => void): void {
  let partial = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    const lines = (partial + chunk).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  });
  stream?.on('end', () => {
    if (partial) onLine(partial);
  });
}

/**
 * A child process of a test or bench: its stdout as lines, its stderr as text, and its end as
 * promises. Waits for output are conditions with deadlines, woken by the output itself.
 */
export class SpawnedProcess {
  readonly child: ChildProcess;
  /** Every complete stdout line so far. */
  readonly lines: string[] = [];
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | string>;
  /** Resolves once the process is gone and all its output has been read. */
  readonly closed: Promise<void>;
  #stdout = '';
  #stderr = '';
  #ended = false;
  #closed = false;
  #waiters: (() => void)[] = [];

  constructor(command: string, args: readonly string[], options: SpawnOptions = {}) {
    this.child = spawn(command, args, {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, ...options.env },
      stdio: [options.stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }),
    });
    eachLine(this.child.stdout, (line) => {
      this.lines.push(line);
      options.onLine?.(line);
      this.#wake();
    });
    this.child.stdout?.on('data', (chunk: string) => {
      this.#stdout += chunk;
    });
    eachLine(this.child.stderr, (line) => options.onStderrLine?.(line));
    this.child.stderr?.on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve, reject) => {
      this.child.once('exit', (code, signal) => {
        this.#ended = true;
        resolve(code ?? signal ?? -1);
      });
      this.child.once('error', (error) => {
        if (this.child.pid === undefined)
          reject(new Error(`Could not start ${command}`, { cause: error }));
      });
    });
    this.closed = new Promise((resolve) => {
      this.child.once('close', () => {
        this.#closed = true;
        this.#wake();
        resolve();
      });
    });
  }

  get pid(): number {
    return this.child.pid as number;
  }

  /** Everything written to stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything written to stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /**
   * Resolves with the first stdout line matching `test`; fails, with the last lines and stderr,
   * when the process ends without one or after `timeoutMs`.
   */
  async waitForLine(test: (line: string) => boolean, timeoutMs = 30_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.lines.find(test);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (this.#closed || left <= 0) {
        const why = this.#closed
          ? `it exited (${await this.exited}) without one`
          : `none within ${timeoutMs} ms`;
        throw new Error(
          `No expected line from process ${this.pid}: ${why}; last lines:\n${this.lines.slice(-5).join('\n')}\nstderr:\n${this.#stderr}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Writes `line` to stdin (spawned with `stdin: true`). */
  send(line: string): void {
    this.child.stdin?.write(`${line}\n`);
  }

  /**
   * Sends `signal` unless the process has ended; resolves with its exit code (or signal) once
   * it is gone and its output read.
   */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    if (!this.#ended) this.child.kill(signal);
    await this.closed;
    return this.exited;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}

/** Starts `command` as a {@link SpawnedProcess}. */
export function spawnProcess(
  command: string,
  args: readonly string[],
  options?: SpawnOptions,
): SpawnedProcess {
  return new SpawnedProcess(command, args, options);
}

/** Runs a TypeScript file from the workspace's sources in a new Node process. */
export function spawnTypeScript(
  file: string,
  args: readonly string[],
  options?: SpawnOptions,
): SpawnedProcess {
  return new SpawnedProcess(process.execPath, [...tsxArgs, file, ...args], options);
}

/** Runs `test/support/<script>` (a child a test drives), with stdin open for `send`. */
export function spawnSupportScript(script: string, args: readonly string[]): SpawnedProcess {
  const file = fileURLToPath(new URL(script, import.meta.url));
  return spawnTypeScript(file, args, { stdin: true });
}

/** What a process that ran to its end printed. */
export interface ProcessRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `command` to its end and resolves with its exit code and output. */
export async function runToEnd(
  command: string,
  args: readonly string[],
  options?: SpawnOptions,
): Promise<ProcessRun> {
  const run = new SpawnedProcess(command, args, options);
  const exit = await run.exited;
  await run.closed;
  return {
    code: typeof exit === 'number' && exit >= 0 ? exit : null,
    stdout: run.stdout,
    stderr: run.stderr,
  };
}
