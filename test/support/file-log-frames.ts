import { readFile } from 'node:fs/promises';

/** Byte offset and size of every frame in a segment file, read from the frame lengths. */
export async function frameLayout(path: string): Promise<Array<{ offset: number; bytes: number }>> {
  const data = await readFile(path);
  const frames: Array<{ offset: number; bytes: number }> = [];
  for (let offset = 16; offset + 8 <= data.length; ) {
    const bytes = 8 + data.readUInt32LE(offset + 4);
    if (offset + bytes > data.length) break;
    frames.push({ offset, bytes });
    offset += bytes;
  }
  return frames;
}
