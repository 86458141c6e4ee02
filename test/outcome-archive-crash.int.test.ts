/**
 * Crash safety of the outcome archive with real processes: the file log crash test's child
 * appends Outcome records as fast as it can from several appenders and reports every
 * acknowledged append; the parent SIGKILLs it at random moments (during recovery too) and, after
 * each kill, reopens the log and checks that the archive holds every acknowledged Outcome and
 * every one the log still holds, exactly once, each partition's in log order. In every other
 * round the child also commits checkpoints that let the log delete its segments as it goes: the
 * Outcomes of the deleted segments must still be in the archive.
 *
 * COORDINATOR_CRASH_ROUNDS raises the number of kills (default 30). The kill moments come from
 * the seed in the test's name; TEST_SEED=<seed> replays them.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArchivedOutcome } from '@coordinator/core';
import { FileLog } from '@coordinator/node';
import { afterAll, expect, it } from 'vitest';
import { acknowledgedIds, killAtRandom } from './support/file-log-crash-rounds.js';
import { type SpawnedProcess, spawnSupportScript } from './support/spawn-process.js';
import { seededRandom, testSeed } from './support/test-seed.js';

const rounds = Number(process.env.COORDINATOR_CRASH_ROUNDS ?? 30);
const partitions = 3;

let dir = '';
const spawned: SpawnedProcess[] = [];
afterAll(async () => {
  for (const child of spawned) await child.kill();
  if (dir) await rm(dir, { recursive: true, force: true });
});

it(`archives every acknowledged Outcome exactly once through ${rounds} SIGKILLs (seed ${testSeed})`, async () => {
  dir = await mkdtemp(join(tmpdir(), 'coordinator-outcome-archive-crash-'));
  const random = seededRandom();
  const acknowledged = new Set<string>();
  // Odd rounds also commit checkpoints that let the log delete its segments as it goes.
  const spawnChild = (round: number) => {
    const args = [dir, String(round), ...(round % 2 === 1 ? ['trim'] : [])];
    const child = spawnSupportScript('file-log-crash-child.ts', args);
    spawned.push(child);
    return child;
  };
  const ahead = [spawnChild(0), spawnChild(1)];
  let archived = 0;
  for (let round = 0; round < rounds; round++) {
    const child = ahead.shift() as SpawnedProcess;
    if (round + 2 < rounds) ahead.push(spawnChild(round + 2));
    await killAtRandom(child, random);
    for (const ids of acknowledgedIds(child.lines)) for (const [, id] of ids) acknowledged.add(id);

    const log = await FileLog.open({ dir, segmentBytes: 64 * 1024 });
    const where = `round ${round}, seed ${testSeed}`;
    const logged = new Map<string, { partition: number; position: number }>();
    for (let p = 0; p < partitions; p++) {
      // From the checkpoint: below it the log may have deleted its segments (not its Outcomes).
      for await (const batch of log.read(p, await log.loadCheckpoint(p))) {
        for (const { position, record } of batch) logged.set(record.id, { partition: p, position });
      }
    }
    const items: ArchivedOutcome[] = [];
    for (let after: string | undefined; ; ) {
      const page = await log.outcomes?.read({
        service: 'service',
        limit: 1000,
        ...(after === undefined ? {} : { after }),
      });
      items.push(...(page?.items ?? []));
      if (!page?.next) break;
      after = page.next;
    }
    const problems: string[] = [];
    const seen = new Set<string>();
    const lastOf = new Map<number, number>();
    items.forEach((item, index) => {
      if (item.cursor !== String(index) || seen.has(item.commandId)) {
        problems.push(`${where}: archived ${JSON.stringify(item)} at index ${index}`);
        return;
      }
      seen.add(item.commandId);
      // Below the checkpoint the log may hold it no more; what it holds is archived in its order.
      const at = logged.get(item.commandId);
      if (!at) return;
      if ((lastOf.get(at.partition) ?? -1) > at.position) {
        problems.push(`${where}: ${item.commandId} is archived out of its partition's order`);
      }
      lastOf.set(at.partition, at.position);
    });
    for (const id of logged.keys())
      if (!seen.has(id)) problems.push(`${where}: ${id} not archived`);
    for (const id of acknowledged) {
      if (!seen.has(id)) problems.push(`${where}: acknowledged ${id} not archived`);
    }
    expect(problems.slice(0, 10)).toEqual([]);
    archived = items.length;
    await log.close();
  }
  expect(acknowledged.size).toBeGreaterThan(rounds);
  console.info(
    `outcome archive crash: ${rounds} kills, ${acknowledged.size} acknowledged Outcomes, ${archived} archived (seed ${testSeed})`,
  );
});
