import { crc32c } from './crc32c.js';

/**
 * A record on disk: `[crc32c u32 LE][length u32 LE][payload]`. The checksum covers the length
 * and the payload, so a damaged length cannot point at a plausible frame.
 */
export const frameHeaderBytes = 8;

/** Writes the frame of `payload` at `offset` in `target`; returns the offset after it. */
export function writeFrame(target: Buffer, offset: number, payload: Uint8Array): number {
  const length = payload.length;
  target.writeUInt32LE(length, offset + 4);
  target.set(payload, offset + frameHeaderBytes);
  const end = offset + frameHeaderBytes + length;
  target.writeUInt32LE(crc32c(target, offset + 4, end), offset);
  return end;
}

/**
 * What lies at `offset` in `bytes[.., end)`: a whole frame with a matching checksum (its payload
 * length), `incomplete` when the frame runs past `end`, or `checksum` when it does not match.
 */
export type FrameCheck =
  | { readonly kind: 'frame'; readonly length: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'checksum' };

const incomplete: FrameCheck = Object.freeze({ kind: 'incomplete' });
const checksum: FrameCheck = Object.freeze({ kind: 'checksum' });

export function checkFrame(bytes: Buffer, offset: number, end: number): FrameCheck {
  if (end - offset < frameHeaderBytes) return incomplete;
  const length = bytes.readUInt32LE(offset + 4);
  const frameEnd = offset + frameHeaderBytes + length;
  if (frameEnd > end) return incomplete;
  if (bytes.readUInt32LE(offset) !== crc32c(bytes, offset + 4, frameEnd)) return checksum;
  return { kind: 'frame', length };
}
