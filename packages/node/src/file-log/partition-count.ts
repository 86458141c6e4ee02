import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';

/**
 * Records a data directory's partition count on first use (`coordinator.json`) and refuses any
 * other count later: Commands are routed by `hash mod partitions`, so a different count would
 * look for existing Commands in the wrong partition.
 * @throws CoordinatorError `INVALID_OPTION` naming both counts.
 */
export async function checkPartitionCount(dir: string, partitions: number): Promise<void> {
  const file = join(dir, 'coordinator.json');
  let meta: { partitions?: unknown } | undefined;
  try {
    meta = JSON.parse(await readFile(file, 'utf8')) as { partitions?: unknown };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (meta === undefined) {
    await writeFile(file, `${JSON.stringify({ partitions }, null, 2)}\n`);
  } else if (meta.partitions !== partitions) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Expected \`partitions\` to be ${String(meta.partitions)} as when ${dir} was created, got \`${partitions}\` (number); the partition count is fixed for the life of a data directory`,
    );
  }
}
