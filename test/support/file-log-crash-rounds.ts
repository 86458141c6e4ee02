import { setTimeout as sleep } from 'node:timers/promises';
import type { SpawnedProcess } from './spawn-process.js';
import type { seededRandom } from './test-seed.js';

/**
 * One crash round of a `file-log-crash-child.ts`: lets it go, then SIGKILLs it at a random moment
 * (one time in five while it opens the log, else while it appends).
 */
export async function killAtRandom(
  child: SpawnedProcess,
  random: ReturnType<typeof seededRandom>,
): Promise<void> {
  await child.waitForLine((line) => line === 'loaded');
  child.send('go');
  const duringRecovery = random.next() < 0.2;
  await child.waitForLine((line) => line === (duringRecovery ? 'opening' : 'ready'));
  await sleep(duringRecovery ? random.next() * 20 : random.next() * 120);
  await child.kill();
}

/**
 * What the file log crash child acknowledged, from its `ack <partition> <first position> <count>
 * <round> <appender> <seq>` lines: per partition, position → the record id it holds.
 */
export function acknowledgedIds(lines: readonly string[], partitions = 3): Map<number, string>[] {
  const acknowledged = Array.from({ length: partitions }, () => new Map<number, string>());
  for (const line of lines) {
    if (!line.startsWith('ack ')) continue;
    const [p, first, count, r, a, seq] = line.slice(4).split(' ').map(Number) as number[];
    for (let i = 0; i < (count as number); i++) {
      acknowledged[p as number]?.set((first as number) + i, `r${r}-a${a}-s${seq}-${i}`);
    }
  }
  return acknowledged;
}
