import { open, rename, unlink } from 'node:fs/promises';

/**
 * Makes the entries of `dir` (files created, renamed or removed in it) durable. Without it a
 * crash may forget a rename that `fsync` of the file alone did not cover.
 */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Replaces `path` with `bytes` all at once: a temporary file, synced, renamed over `path`, then
 * the directory synced. A reader sees the old content or the new one, never a mix. With
 * `sync: false` the syncs are skipped (still atomic, no longer durable).
 */
export async function writeFileAtomically(
  dir: string,
  path: string,
  bytes: Uint8Array,
  sync: boolean,
): Promise<void> {
  const temporary = `${path}${temporarySuffix}`;
  const handle = await open(temporary, 'w');
  try {
    await handle.writeFile(bytes);
    if (sync) await handle.datasync();
  } catch (error) {
    await handle.close();
    await unlink(temporary).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await rename(temporary, path);
  if (sync) await syncDirectory(dir);
}

/** Files with this suffix are unfinished writes; opening the log removes them. */
export const temporarySuffix = '.tmp';
