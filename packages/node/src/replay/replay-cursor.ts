import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import { writeFileAtomically } from '../file-log/durable-fs.js';

/** What a cursor file holds. */
interface SavedCursor {
  readonly service: string;
  readonly target: string;
  /** Every Outcome up to this one was replayed to the target. */
  readonly cursor: string;
  readonly savedAt: string;
}

/**
 * Where a replay of `service` to `target` keeps its cursor unless told: a file in the current
 * directory named by both, `.coordinator-replay-payments-127.0.0.1_7502_admin_rebuild.json`.
 */
export function defaultCursorFile(service: string, target: string): string {
  const name = `${service}-${target.replace(/^[a-z]+:\/\//i, '')}`
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 180);
  return resolve(`.coordinator-replay-${name}.json`);
}

/**
 * The cursor a replay of `service` saved in `file`; undefined when there is none.
 * @throws CoordinatorError `INVALID_OPTION` when the file is unreadable or another service's.
 */
export async function readCursor(file: string, service: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Cannot read the cursor file ${file}: ${(error as Error).message}`,
    );
  }
  let saved: Partial<SavedCursor>;
  try {
    saved = JSON.parse(text) as Partial<SavedCursor>;
  } catch {
    saved = {};
  }
  if (typeof saved.cursor !== 'string' || typeof saved.service !== 'string') {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `The cursor file ${file} is not one coordinator replay wrote; delete it or pass --from-start`,
    );
  }
  if (saved.service !== service) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `The cursor file ${file} is a replay of service ${saved.service}, not ${service}; pass another --cursor-file`,
    );
  }
  return saved.cursor;
}

/**
 * Keeps a replay's cursor in a file: replaced atomically and synced, so a replay killed at any
 * moment finds the last one saved (at most `everyMs` behind). One write at a time.
 */
export class CursorFile {
  readonly file: string;
  readonly #service: string;
  readonly #target: string;
  readonly #everyMs: number;
  #latest: string | undefined;
  #saved: string | undefined;
  #writing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #error: unknown;

  constructor(file: string, service: string, target: string, everyMs = 200) {
    this.file = file;
    this.#service = service;
    this.#target = target;
    this.#everyMs = everyMs;
  }

  /** The cursor moved on: saved within `everyMs`. */
  update(cursor: string): void {
    this.#latest = cursor;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#write().catch((error: unknown) => {
        this.#error = error;
      });
    }, this.#everyMs);
  }

  /**
   * Saves the latest cursor now and resolves once it is durable.
   * @throws the error of any write that failed.
   */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#write();
    if (this.#error !== undefined) throw this.#error;
  }

  async #write(): Promise<void> {
    while (this.#writing !== undefined) await this.#writing;
    const cursor = this.#latest;
    if (cursor === undefined || cursor === this.#saved) return;
    const saved: SavedCursor = {
      service: this.#service,
      target: this.#target,
      cursor,
      savedAt: new Date().toISOString(),
    };
    const bytes = Buffer.from(`${JSON.stringify(saved, null, 2)}\n`);
    this.#writing = writeFileAtomically(dirname(this.file), this.file, bytes, true);
    try {
      await this.#writing;
      this.#saved = cursor;
    } finally {
      this.#writing = undefined;
    }
  }
}
