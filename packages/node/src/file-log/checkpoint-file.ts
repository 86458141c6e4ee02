import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import { crc32c } from './crc32c.js';
import { writeFileAtomically } from './durable-fs.js';

/**
 * A partition's checkpoint: the file `checkpoint`, 16 bytes: crc32c u32 LE of the 12 bytes that
 * follow, `CKPT`, the position u64 LE. Replaced atomically, so it is the old value or the new one.
 */
const checkpointFileName = 'checkpoint';
const checkpointBytes = 16;
const magic = 0x54504b43; // "CKPT" read as u32 LE

/**
 * The checkpoint stored in `dir`, or 0 when there is none.
 * @throws CoordinatorError `LOG_CORRUPT` naming the file when it is damaged.
 */
export async function readCheckpoint(dir: string): Promise<number> {
  const path = join(dir, checkpointFileName);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  if (
    bytes.length !== checkpointBytes ||
    bytes.readUInt32LE(4) !== magic ||
    bytes.readUInt32LE(0) !== crc32c(bytes, 4, checkpointBytes)
  ) {
    throw new CoordinatorError('LOG_CORRUPT', `Checkpoint ${path} at offset 0 is damaged`);
  }
  return bytes.readUInt32LE(8) + bytes.readUInt32LE(12) * 2 ** 32;
}

export async function writeCheckpoint(dir: string, position: number, sync: boolean): Promise<void> {
  const bytes = Buffer.alloc(checkpointBytes);
  bytes.writeUInt32LE(magic, 4);
  bytes.writeUInt32LE(position % 2 ** 32, 8);
  bytes.writeUInt32LE(Math.floor(position / 2 ** 32), 12);
  bytes.writeUInt32LE(crc32c(bytes, 4, checkpointBytes), 0);
  await writeFileAtomically(dir, join(dir, checkpointFileName), bytes, sync);
}
