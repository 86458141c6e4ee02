import { open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CoordinatorError } from '@coordinator/core';
import { checkFrame, frameHeaderBytes, writeFrame } from './frame.js';
import { decodeValue, encodeValue } from './record-codec.js';

/**
 * The outcome archive's manifest, written after each archive write is durable: per
 * log partition, the position below which every Outcome is in the archive (`logged`), and per
 * service the archive's durable end (`ends`). On open, entries past a service's end are cut off
 * and the log is read again from each partition's `logged` position: an Outcome is archived
 * exactly once whatever the moment of a crash.
 */
export interface ArchiveManifest {
  readonly logged: Readonly<Record<string, number>>;
  readonly ends: Readonly<Record<string, number>>;
}

/**
 * Two slots, `manifest.0` and `manifest.1`, written in turn: a write replaces the older slot in
 * place and syncs it (one sync, no rename). A torn write leaves the other slot whole; reading takes
 * the whole slot with the higher sequence number.
 */
const slotNames = ['manifest.0', 'manifest.1'] as const;

/** The manifest and the sequence number it was written with. */
export interface StoredManifest {
  readonly seq: number;
  readonly manifest: ArchiveManifest;
}

/** Whether a directory entry is one of the manifest's slots. */
export function isManifestFile(name: string): boolean {
  return (slotNames as readonly string[]).includes(name);
}

async function readSlot(path: string): Promise<StoredManifest | 'missing' | 'damaged'> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw error;
  }
  const check = checkFrame(bytes, 0, bytes.length);
  if (check.kind !== 'frame' || frameHeaderBytes + check.length !== bytes.length) return 'damaged';
  const value = decodeValue(bytes.subarray(frameHeaderBytes), path) as Partial<
    ArchiveManifest & { seq: number }
  >;
  if (
    typeof value?.seq !== 'number' ||
    typeof value.logged !== 'object' ||
    typeof value.ends !== 'object'
  ) {
    return 'damaged';
  }
  return { seq: value.seq, manifest: { logged: value.logged, ends: value.ends } };
}

/**
 * The latest whole manifest in `dir`; an empty one (sequence -1) when there is none yet.
 * @throws CoordinatorError `LOG_CORRUPT` naming the files when no slot is whole but one exists.
 */
export async function readManifest(dir: string): Promise<StoredManifest> {
  const slots = await Promise.all(slotNames.map((name) => readSlot(join(dir, name))));
  let latest: StoredManifest | undefined;
  for (const slot of slots) {
    if (typeof slot === 'object' && slot.seq > (latest?.seq ?? -1)) latest = slot;
  }
  if (latest) return latest;
  if (slots.includes('damaged')) {
    throw new CoordinatorError(
      'LOG_CORRUPT',
      `Outcome archive manifest ${join(dir, slotNames[0])} and ${slotNames[1]} are damaged`,
    );
  }
  return { seq: -1, manifest: { logged: {}, ends: {} } };
}

/** Writes manifest number `seq` into its slot (the older one) and syncs it. */
export async function writeManifest(
  dir: string,
  seq: number,
  manifest: ArchiveManifest,
  sync: boolean,
): Promise<void> {
  const payload = encodeValue({ seq, ...manifest });
  const bytes = Buffer.allocUnsafe(frameHeaderBytes + payload.length);
  writeFrame(bytes, 0, payload);
  const handle = await open(join(dir, slotNames[seq % 2] as string), 'w');
  try {
    await handle.writeFile(bytes);
    if (sync) await handle.datasync();
  } finally {
    await handle.close();
  }
}
