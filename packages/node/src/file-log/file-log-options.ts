import { CoordinatorError } from '@coordinator/core';
import type { FileLogEvent } from './file-log-event.js';

/** Options of {@link FileLog.open}; only `dir` is required. */
export interface FileLogOptions {
  /** The data directory; created when missing. One process at a time may open it. */
  readonly dir: string;
  /**
   * A segment is sealed and a new one started once the next write would take it past this size
   * (a single larger write still goes whole into one segment).
   * @default 67108864 (64 MiB)
   */
  readonly segmentBytes: number;
  /**
   * `data`: an append resolves only after `fdatasync` of the bytes it carries. `none` skips every
   * sync: UNSAFE, acknowledged records may be lost on a crash; for tests and benchmarks only.
   * @default 'data'
   */
  readonly sync: 'data' | 'none';
  /**
   * `all` keeps every segment, so every Outcome stays replayable. `from-checkpoint` deletes the
   * segments wholly below a partition's checkpoint after it is committed.
   * @default 'all'
   */
  readonly retainSegments: 'all' | 'from-checkpoint';
  /**
   * What opening checks: `tail` scans each partition's last segment (sealed segments are checked
   * as they are read); `all` scans every segment.
   * @default 'tail'
   */
  readonly verifyOnOpen: 'tail' | 'all';
  /** Receives the log's events. Must not throw. @default ignores them */
  readonly onEvent: (event: FileLogEvent) => void;
}

export type FileLogInput = Pick<FileLogOptions, 'dir'> & Partial<Omit<FileLogOptions, 'dir'>>;

export const fileLogDefaults: Readonly<Omit<FileLogOptions, 'dir'>> = Object.freeze({
  segmentBytes: 64 * 1024 * 1024,
  sync: 'data',
  retainSegments: 'all',
  verifyOnOpen: 'tail',
  onEvent: () => {},
});

const minSegmentBytes = 64;
const choices = {
  sync: ['data', 'none'],
  retainSegments: ['all', 'from-checkpoint'],
  verifyOnOpen: ['tail', 'all'],
} as const;

function describe(value: unknown): string {
  const shown =
    typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value) ?? String(value));
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

/** The `INVALID_OPTION` error for `name`, naming what was expected and what was given. */
export function invalidOption(name: string, expected: string, value: unknown): CoordinatorError {
  return new CoordinatorError(
    'INVALID_OPTION',
    `Expected \`${name}\` to be ${expected}, got ${describe(value)}`,
  );
}

/**
 * Fills defaults and validates every option once.
 * @throws CoordinatorError `INVALID_OPTION` naming the option, the expectation and the value.
 */
export function resolveFileLogOptions(input: FileLogInput): FileLogOptions {
  const known = ['dir', ...Object.keys(fileLogDefaults)];
  for (const name of Object.keys(input)) {
    if (!known.includes(name)) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Unknown option \`${name}\`; known: ${known.join(', ')}`,
      );
    }
  }
  const defined = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const options = { ...fileLogDefaults, ...defined } as FileLogOptions;
  if (typeof options.dir !== 'string' || options.dir.length === 0) {
    throw invalidOption('dir', 'a non-empty path', options.dir);
  }
  const { segmentBytes } = options;
  if (!Number.isSafeInteger(segmentBytes) || segmentBytes < minSegmentBytes) {
    throw invalidOption('segmentBytes', `an integer from ${minSegmentBytes} and up`, segmentBytes);
  }
  for (const [name, allowed] of Object.entries(choices)) {
    const value = options[name as keyof typeof choices];
    if (!(allowed as readonly string[]).includes(value)) {
      throw invalidOption(name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
    }
  }
  if (typeof options.onEvent !== 'function') {
    throw invalidOption('onEvent', 'a function', options.onEvent);
  }
  return Object.freeze(options);
}
