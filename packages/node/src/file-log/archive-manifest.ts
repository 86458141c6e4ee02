import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import { writeFileAtomically } from './durable-fs.js';
import { checkFrame, frameHeaderBytes, writeFrame } from './frame.js';
import { decodeValue, encodeValue } from './record-codec.js';

/**
 * The outcome archive's manifest, replaced atomically after each archive write is durable: per
 * log partition, the position below which every Outcome is in the archive (`logged`), and per
 * service the archive's durable end (`ends`). On open, entries past a service's end are cut off
 * and the log is read again from each partition's `logged` position: an Outcome is archived
 * exactly once whatever the moment of a crash.
 */
export interface ArchiveManifest {
  readonly logged: Readonly<Record<string, number>>;
  readonly ends: Readonly<Record<string, number>>;
}

const manifestFileName = 'manifest';

/**
 * The manifest in `dir`; an empty one when there is none yet.
 * @throws CoordinatorError `LOG_CORRUPT` naming the file when it is damaged.
 */
export async function readManifest(dir: string): Promise<ArchiveManifest> {
  const path = join(dir, manifestFileName);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { logged: {}, ends: {} };
    throw error;
  }
  const check = checkFrame(bytes, 0, bytes.length);
  const value =
    check.kind === 'frame' && frameHeaderBytes + check.length === bytes.length
      ? (decodeValue(bytes.subarray(frameHeaderBytes), path) as Partial<ArchiveManifest>)
      : undefined;
  if (typeof value?.logged !== 'object' || typeof value.ends !== 'object') {
    throw new CoordinatorError('LOG_CORRUPT', `Outcome archive manifest ${path} is damaged`);
  }
  return value as ArchiveManifest;
}

export async function writeManifest(
  dir: string,
  manifest: ArchiveManifest,
  sync: boolean,
): Promise<void> {
  const payload = encodeValue(manifest);
  const bytes = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  writeFrame(bytes, 0, payload);
  await writeFileAtomically(dir, join(dir, manifestFileName), bytes, sync);
}
