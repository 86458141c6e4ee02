import { CoordinatorError } from '../errors.js';
import type { EventLog, LoggedRecord, OwnershipListener } from '../event-log.js';

/** Fails a conformance check: a plain, coded error naming what the log did wrong. */
export function fail(message: string): never {
  throw new CoordinatorError('INTERNAL', `EventLog conformance: ${message}`);
}

export function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) fail(`${what}: expected ${e}, got ${a}`);
}

export async function expectCode(
  attempt: () => Promise<unknown>,
  codes: readonly string[],
  what: string,
): Promise<void> {
  try {
    await attempt();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && codes.includes(code)) return;
    fail(`${what}: expected a CoordinatorError ${codes.join(' or ')}, got ${String(error)}`);
  }
  fail(`${what}: expected it to fail with ${codes.join(' or ')}, but it succeeded`);
}

/** Every record `read(partition, from)` yields, with its position. */
export async function readAll(
  log: EventLog,
  partition: number,
  from: number,
): Promise<LoggedRecord[]> {
  const all: LoggedRecord[] = [];
  for await (const batch of log.read(partition, from)) all.push(...batch);
  return all;
}

export interface Recorder extends OwnershipListener {
  readonly calls: string[];
  owns(partition: number): boolean;
  /** Resolves once `partition` is owned (`owned` true) or no longer owned (false). */
  when(partition: number, owned: boolean): Promise<void>;
}

/**
 * A listener that records every call and lets a check wait for one. Waits have no deadline of
 * their own (the core keeps no timers): the test runner's timeout bounds them.
 */
export function recorder(): Recorder {
  const calls: string[] = [];
  const owned = new Set<number>();
  const waits: { partition: number; owned: boolean; resolve: () => void }[] = [];
  const settle = () => {
    for (const wait of [...waits]) {
      if (owned.has(wait.partition) !== wait.owned) continue;
      waits.splice(waits.indexOf(wait), 1);
      wait.resolve();
    }
  };
  return {
    calls,
    owns: (p) => owned.has(p),
    when: (partition, wanted) =>
      new Promise((resolve) => {
        waits.push({ partition, owned: wanted, resolve });
        settle();
      }),
    assigned: async (p) => {
      calls.push(`assigned ${p}`);
      owned.add(p);
      settle();
    },
    revoked: (p) => {
      calls.push(`revoked ${p}`);
      owned.delete(p);
      settle();
    },
  };
}
