import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { FrameDecoder } from './frame-decoder.js';
import { decodeBody, encodeFrame } from './wire-codec.js';

/** Cuts `bytes` at the given points into consecutive chunks. */
function cut(bytes: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of [...sorted, bytes.length]) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  return chunks;
}

const message = fc.record({
  seq: fc.nat(),
  op: fc.constantFrom('submit', 'reply', 'ping'),
  payload: fc.jsonValue({ maxDepth: 3 }),
});

test.prop([fc.array(message, { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 30 })])(
  'any split of a stream of frames yields the same messages, in order',
  (messages, points) => {
    const bytes = Buffer.concat(messages.map((m) => encodeFrame(m)));
    const decoder = new FrameDecoder(1 << 20);
    const out: unknown[] = [];
    for (const chunk of cut(bytes, points)) {
      decoder.push(chunk);
      for (let body = decoder.next(); body; body = decoder.next()) out.push(decodeBody(body));
    }
    expect(out).toEqual(messages.map((m) => decodeBody(encodeFrame(m).subarray(4))));
    expect(decoder.buffered).toBe(0);
  },
);

test.prop([fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(), { maxLength: 10 })])(
  'random bytes yield frames, a coded error, or a wait for more; never anything else',
  (bytes, points) => {
    const decoder = new FrameDecoder(64);
    try {
      for (const chunk of cut(Buffer.from(bytes), points)) {
        decoder.push(chunk);
        for (let body = decoder.next(); body; body = decoder.next()) {
          expect(body.length).toBeLessThanOrEqual(64);
        }
      }
    } catch (error) {
      expect(['FRAME_TOO_LARGE', 'PROTOCOL']).toContain((error as { code?: string }).code);
    }
  },
);
