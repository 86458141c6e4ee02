import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import { writeFileAtomically } from './durable-fs.js';

/**
 * A segment file is a 16-byte header (`CLOG`, format version u32 LE, first position u64 LE)
 * followed by frames. Its name is its first position, zero-padded to 20 digits, so that names
 * sort in position order and a reader finds the segment holding a position from the names alone.
 */
export const segmentHeaderBytes = 16;
const segmentFormatVersion = 1;
const magic = 0x474f4c43; // "CLOG" read as u32 LE
const suffix = '.seg';
const namePattern = /^(\d{20})\.seg$/;

function segmentName(base: number): string {
  return `${String(base).padStart(20, '0')}${suffix}`;
}

/** The first position a segment file name carries, or undefined for any other file. */
export function parseSegmentName(name: string): number | undefined {
  const match = namePattern.exec(name);
  if (!match) return undefined;
  const base = Number(match[1]);
  return Number.isSafeInteger(base) ? base : undefined;
}

function segmentHeader(base: number): Buffer {
  const header = Buffer.alloc(segmentHeaderBytes);
  header.writeUInt32LE(magic, 0);
  header.writeUInt32LE(segmentFormatVersion, 4);
  header.writeUInt32LE(base % 2 ** 32, 8);
  header.writeUInt32LE(Math.floor(base / 2 ** 32), 12);
  return header;
}

/**
 * Checks a segment's header against its name.
 * @throws CoordinatorError `LOG_CORRUPT` naming the file (offset 0).
 */
export function checkSegmentHeader(header: Buffer, base: number, file: string): void {
  const corrupt = (what: string) =>
    new CoordinatorError('LOG_CORRUPT', `Segment ${file} at offset 0: ${what}`);
  if (header.length < segmentHeaderBytes) throw corrupt('the header is incomplete');
  if (header.readUInt32LE(0) !== magic) throw corrupt('not a coordinator log segment');
  const version = header.readUInt32LE(4);
  if (version !== segmentFormatVersion) {
    throw corrupt(`format version ${version} is not supported (this build reads version 1)`);
  }
  const found = header.readUInt32LE(8) + header.readUInt32LE(12) * 2 ** 32;
  if (found !== base) throw corrupt(`the header says first position ${found}, the name ${base}`);
}

/**
 * Creates a segment holding only its header. Atomic: a segment file with its final name always
 * has a whole header.
 */
export async function createSegmentFile(dir: string, base: number, sync: boolean): Promise<string> {
  const path = join(dir, segmentName(base));
  await writeFileAtomically(dir, path, segmentHeader(base), sync);
  return path;
}
