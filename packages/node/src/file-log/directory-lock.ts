import { randomBytes } from 'node:crypto';
import { link, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import type { FileLogEvent } from './file-log-event.js';

interface Holder {
  readonly pid: number;
  readonly host: string;
  /** Start time of the process from /proc (Linux), to tell a reused pid from the holder. */
  readonly started: string | undefined;
}

const lockPattern = /^lock\.(\d+)$/;
const attempts = 20;

/** Data directories locked by this process (a pid check cannot tell two opens in one process). */
const heldHere = new Set<string>();

async function startTimeOf(pid: number): Promise<string | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

async function isAlive(holder: Holder): Promise<boolean> {
  if (holder.host !== hostname()) return true;
  if (holder.pid === process.pid) return false;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const started = await startTimeOf(holder.pid);
  return holder.started === undefined || started === undefined || started === holder.started;
}

async function generations(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const name of await readdir(dir)) {
    const match = lockPattern.exec(name);
    if (match) found.push(Number(match[1]));
  }
  return found.sort((a, b) => b - a);
}

async function readHolder(path: string): Promise<Holder | 'missing' | 'unreadable'> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<Holder>;
    if (typeof value.pid === 'number' && typeof value.host === 'string') {
      return { pid: value.pid, host: value.host, started: value.started ?? undefined };
    }
  } catch {}
  return 'unreadable';
}

/** Creates `path` with `text` only if it does not exist; the content is whole once visible. */
async function createWhole(path: string, text: string): Promise<boolean> {
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, text);
  try {
    await link(temporary, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temporary);
  }
}

/**
 * Keeps a second process off a data directory. The lock is a file `lock.<generation>` holding the
 * holder's pid, host and start time, created exclusively. A holder that is gone (no such pid, or
 * the pid now belongs to a process started at another time) is taken over by creating the next
 * generation exclusively, so two processes racing for a stale lock cannot both win.
 */
export class DirectoryLock {
  readonly #dir: string;
  readonly #path: string;
  readonly #text: string;

  private constructor(dir: string, path: string, text: string) {
    this.#dir = dir;
    this.#path = path;
    this.#text = text;
  }

  /**
   * Takes the lock of `dir` (an existing, resolved directory).
   * @throws CoordinatorError `FENCED` naming the holder's pid when another live process holds it.
   */
  static async acquire(
    dir: string,
    onEvent: (event: FileLogEvent) => void,
  ): Promise<DirectoryLock> {
    if (heldHere.has(dir)) throw fenced(dir, `this process (pid ${process.pid})`);
    heldHere.add(dir);
    try {
      return await DirectoryLock.#take(dir, onEvent);
    } catch (error) {
      heldHere.delete(dir);
      throw error;
    }
  }

  static async #take(dir: string, onEvent: (event: FileLogEvent) => void): Promise<DirectoryLock> {
    const started = await startTimeOf(process.pid);
    const text = `${JSON.stringify({ pid: process.pid, host: hostname(), started })}\n`;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const top = (await generations(dir))[0];
      let stale: Holder | undefined;
      if (top !== undefined) {
        const file = join(dir, `lock.${top}`);
        const holder = await readHolder(file);
        if (holder === 'missing') continue;
        if (holder === 'unreadable') {
          throw fenced(dir, `an unknown process (${file} is unreadable; remove it if none runs)`);
        }
        if (await isAlive(holder)) throw fenced(dir, describeHolder(holder, file));
        stale = holder;
      }
      const generation = (top ?? 0) + 1;
      const path = join(dir, `lock.${generation}`);
      if (!(await createWhole(path, text))) continue;
      const now = await generations(dir);
      if (now[0] !== generation) {
        await unlink(path).catch(() => undefined);
        continue;
      }
      for (const older of now.slice(1)) {
        await unlink(join(dir, `lock.${older}`)).catch(() => undefined);
      }
      if (stale) onEvent({ type: 'file-log.lock-taken-over', file: path, pid: stale.pid });
      return new DirectoryLock(dir, path, text);
    }
    throw fenced(dir, 'another process (the lock kept changing hands while opening)');
  }

  async release(): Promise<void> {
    try {
      const text = await readFile(this.#path, 'utf8').catch(() => undefined);
      if (text === this.#text) await unlink(this.#path);
    } finally {
      heldHere.delete(this.#dir);
    }
  }
}

function describeHolder(holder: Holder, file: string): string {
  const host = holder.host === hostname() ? '' : ` on host ${holder.host}`;
  return `process ${holder.pid}${host} (${file})`;
}

function fenced(dir: string, holder: string): CoordinatorError {
  return new CoordinatorError(
    'FENCED',
    `The file log in ${dir} is held by ${holder}; a second process may not open it`,
  );
}
