import { CoordinatorError } from '@coordinator/core';
import { Packr } from 'msgpackr';

/**
 * Plain MessagePack (no records, no shared structures) so that every frame decodes on its own and
 * any MessagePack library can read it; 64-bit integers decode as numbers.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

export function encodeBody(message: unknown): Buffer {
  return packr.pack(message);
}

/**
 * Decodes one frame body: all of `body`, or the bytes from `start` to `end` of it (which lets one
 * socket chunk holding many frames be decoded in place, with msgpackr's view of it made once).
 * @throws CoordinatorError `PROTOCOL` when the body is not one whole MessagePack value.
 */
export function decodeBody(body: Uint8Array, start = 0, end = body.length): unknown {
  try {
    return packr.unpack(body, { start, end });
  } catch (error) {
    throw new CoordinatorError(
      'PROTOCOL',
      `A frame body is not valid MessagePack: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** One whole frame: the 4-byte big-endian body length, then the MessagePack body. */
export function encodeFrame(message: unknown): Buffer {
  const body = encodeBody(message);
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32BE(body.length, 0);
  body.copy(frame, 4);
  return frame;
}
