import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * A child running a `test/support` script under tsx, its stdout split into lines. Waits are
 * conditions with deadlines, never sleeps.
 */
export class ChildScript {
  readonly process: ChildProcess;
  readonly lines: string[] = [];
  readonly exited: Promise<NodeJS.Signals | number | null>;
  #partial = '';
  /** Set on `close`: the child is gone and all its output has been read. */
  #closed = false;
  #stderr = '';
  #waiters: Array<() => void> = [];

  constructor(script: string, args: readonly string[]) {
    this.process = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '--conditions=@coordinator/source',
        join('test', 'support', script),
        ...args,
      ],
      { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.process.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      const parts = (this.#partial + chunk).split('\n');
      this.#partial = parts.pop() ?? '';
      this.lines.push(...parts);
      this.#wake();
    });
    this.process.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr += chunk;
    });
    this.exited = new Promise((resolve) => {
      this.process.on('close', (code, signal) => {
        this.#closed = true;
        this.#wake();
        resolve(signal ?? code);
      });
    });
  }

  get pid(): number {
    return this.process.pid as number;
  }

  get stderr(): string {
    return this.#stderr;
  }

  /** Resolves with the first line matching `test`, failing after `deadlineMs`. */
  async waitForLine(test: (line: string) => boolean, deadlineMs = 30_000): Promise<string> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      const found = this.lines.find(test);
      if (found !== undefined) return found;
      if (this.#closed) {
        throw new Error(`child exited before the expected line; stderr:\n${this.#stderr}`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`no expected line within ${deadlineMs} ms; stderr:\n${this.#stderr}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  send(line: string): void {
    this.process.stdin?.write(`${line}\n`);
  }

  /** SIGKILLs the child and waits for it to be gone. */
  async kill(): Promise<void> {
    this.process.kill('SIGKILL');
    await this.exited;
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }
}
