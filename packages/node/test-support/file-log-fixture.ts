import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { FileLog } from '../src/file-log/file-log.js';
import type { FileLogEvent } from '../src/file-log/file-log-event.js';
import type { FileLogInput } from '../src/file-log/file-log-options.js';

/**
 * A fresh directory per test and the file logs opened on it, closed and removed after the test;
 * `events` holds what the logs reported.
 */
export function fileLogFixture(name: string) {
  const state = { dir: '', events: [] as FileLogEvent[] };
  const opened: FileLog[] = [];
  beforeEach(async () => {
    state.dir = await mkdtemp(join(tmpdir(), `coordinator-${name}-`));
    state.events = [];
  });
  afterEach(async () => {
    for (const log of opened.splice(0)) await log.close();
    await rm(state.dir, { recursive: true, force: true });
  });
  return {
    get dir(): string {
      return state.dir;
    },
    get events(): FileLogEvent[] {
      return state.events;
    },
    async open(options: Partial<FileLogInput> = {}): Promise<FileLog> {
      const log = await FileLog.open({
        dir: state.dir,
        onEvent: (event) => state.events.push(event),
        ...options,
      });
      opened.push(log);
      return log;
    },
    /** Closes a log before the test ends (the fixture would close it after). */
    async close(log: FileLog): Promise<void> {
      opened.splice(opened.indexOf(log), 1);
      await log.close();
    },
  };
}
