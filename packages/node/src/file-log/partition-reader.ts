import { CoordinatorError, type LoggedRecord } from '@coordinator/core';
import type { PartitionSnapshot } from './partition-writer.js';
import { decodeRecordBytes } from './record-codec.js';
import type { Segment } from './segment.js';
import { type ScannedFrame, type ScanStop, SegmentScanner } from './segment-scanner.js';

const batchRecords = 1024;

function corrupt(segment: Segment, offset: number, what: string): CoordinatorError {
  return new CoordinatorError(
    'LOG_CORRUPT',
    `Segment ${segment.path} at offset ${offset}: ${what}`,
  );
}

function describeStop(stop: ScanStop, position: number): string {
  if (stop.reason === 'checksum') return `record ${position} fails its checksum`;
  if (stop.reason === 'incomplete') return `record ${position} is cut short`;
  return `the segment ends before record ${position}`;
}

/**
 * The frames of positions [from, to) of one segment, checked. `bound` limits the bytes read (the
 * durable size of a last segment); a sealed segment read to its last record must end there.
 * @throws CoordinatorError `LOG_CORRUPT` naming the file and offset of any damage.
 */
export async function* segmentFrames(
  segment: Segment,
  from: number,
  to: number,
  sealedEnd: number | undefined,
  bound?: number,
): AsyncGenerator<ScannedFrame[]> {
  const scanner = await SegmentScanner.open(segment, from, bound);
  try {
    while (scanner.position < to) {
      const limit = Math.min(batchRecords, to - scanner.position);
      const { frames, stop } = await scanner.next(limit);
      const wanted = frames.filter((frame) => frame.position >= from);
      if (wanted.length > 0) yield wanted;
      if (scanner.position < to && stop) {
        throw corrupt(segment, stop.offset, describeStop(stop, scanner.position));
      }
    }
    if (to === sealedEnd && scanner.offset !== scanner.end) {
      throw corrupt(segment, scanner.offset, `bytes follow the segment's last record ${to - 1}`);
    }
  } finally {
    await scanner.close();
  }
}

/** The index of the segment holding `position`: the last one whose base is not above it. */
function segmentIndexOf(segments: readonly Segment[], position: number): number {
  let low = 0;
  let high = segments.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >>> 1;
    if ((segments[mid] as Segment).base <= position) low = mid;
    else high = mid - 1;
  }
  return low;
}

/** The frames of one segment a read returned, with the segment they come from. */
export interface SegmentBatch {
  readonly segment: Segment;
  readonly frames: readonly ScannedFrame[];
}

/**
 * Reads the checked frames of a snapshot's segments from `from` to the snapshot's end, in
 * batches (the payloads are valid until the next batch).
 * @throws CoordinatorError `LOG_CORRUPT` for damage, `INVALID_OPTION` for a `from` whose
 * segment retention deleted.
 */
export async function* readFrames(
  snapshot: PartitionSnapshot,
  from: number,
): AsyncGenerator<SegmentBatch> {
  const { segments, end, tailBytes } = snapshot;
  const first = segments[0];
  if (first === undefined || from >= end) return;
  if (from < first.base) {
    throw new CoordinatorError(
      'INVALID_OPTION',
      `Cannot read from position ${from}: retention deleted the records below ${first.base}`,
    );
  }
  for (let i = segmentIndexOf(segments, from); i < segments.length; i++) {
    const segment = segments[i] as Segment;
    const next = segments[i + 1];
    const to = next === undefined ? end : Math.min(next.base, end);
    const bound = next === undefined ? tailBytes : undefined;
    for await (const frames of segmentFrames(segment, from, to, next?.base, bound)) {
      yield { segment, frames };
    }
    if (to >= end) return;
    from = to;
  }
}

/**
 * Reads and decodes a partition's records from `from` to the snapshot's end, in batches.
 * @throws CoordinatorError `LOG_CORRUPT` for damage, the record's own code for a record that
 * does not decode, `INVALID_OPTION` for a `from` whose segment retention deleted.
 */
export async function* readPartition(
  snapshot: PartitionSnapshot,
  from: number,
): AsyncGenerator<LoggedRecord[]> {
  for await (const { segment, frames } of readFrames(snapshot, from)) {
    yield frames.map((frame) => ({
      position: frame.position,
      record: decodeRecordBytes(frame.payload, `${segment.path} offset ${frame.offset}`),
    }));
  }
}
