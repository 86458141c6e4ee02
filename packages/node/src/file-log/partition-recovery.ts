import { open, readdir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { temporarySuffix } from './durable-fs.js';
import type { FileLogEvent } from './file-log-event.js';
import { segmentFrames } from './partition-reader.js';
import type { PartitionSnapshot } from './partition-writer.js';
import { Segment } from './segment.js';
import { parseSegmentName } from './segment-file.js';
import { type ScanStop, SegmentScanner } from './segment-scanner.js';

export interface RecoveryConfig {
  readonly partition: number;
  readonly sync: boolean;
  readonly verifyAll: boolean;
  readonly onEvent: (event: FileLogEvent) => void;
}

/**
 * Brings a partition directory back to a consistent state: removes temporary files, scans the
 * last segment and truncates it after its last whole, checksummed record (reporting what was
 * dropped). A damaged sealed segment is not repaired: reading it (or opening with
 * `verifyOnOpen: 'all'`) fails with `LOG_CORRUPT`.
 */
export async function recoverPartition(
  dir: string,
  config: RecoveryConfig,
): Promise<PartitionSnapshot> {
  const segments: Segment[] = [];
  for (const name of await readdir(dir)) {
    if (name.endsWith(temporarySuffix)) {
      await unlink(join(dir, name));
      config.onEvent({ type: 'file-log.temporary-removed', file: join(dir, name) });
      continue;
    }
    const base = parseSegmentName(name);
    if (base !== undefined) segments.push(new Segment(base, join(dir, name)));
  }
  segments.sort((a, b) => a.base - b.base);
  const tail = segments.at(-1);
  if (tail === undefined) return { segments, end: 0, tailBytes: 0 };
  if (config.verifyAll) {
    for (let i = 0; i + 1 < segments.length; i++) {
      const next = (segments[i + 1] as Segment).base;
      for await (const _ of segmentFrames(segments[i] as Segment, 0, next, next)) {
        // Scanning checks every frame and the segment's record count.
      }
    }
  }
  const scanner = await SegmentScanner.open(tail, tail.base);
  let stop: ScanStop | undefined;
  try {
    while (stop === undefined) stop = (await scanner.next(Number.MAX_SAFE_INTEGER)).stop;
  } finally {
    await scanner.close();
  }
  if (stop.reason !== 'end') {
    const bytes = scanner.end - stop.offset;
    const handle = await open(tail.path, 'r+');
    try {
      await handle.truncate(stop.offset);
      if (config.sync) await handle.datasync();
    } finally {
      await handle.close();
    }
    config.onEvent({
      type: 'file-log.tail-truncated',
      partition: config.partition,
      file: tail.path,
      offset: stop.offset,
      bytes,
      reason: stop.reason,
    });
  }
  return { segments, end: scanner.position, tailBytes: scanner.offset };
}
