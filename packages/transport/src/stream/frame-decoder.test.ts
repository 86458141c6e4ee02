import { describe, expect, it } from 'vitest';
import { FrameDecoder } from './frame-decoder.js';
import { decodeBody, encodeFrame } from './wire-codec.js';

function drain(decoder: FrameDecoder): unknown[] {
  const out: unknown[] = [];
  for (let body = decoder.next(); body; body = decoder.next()) out.push(decodeBody(body));
  return out;
}

describe('FrameDecoder', () => {
  it('returns every frame of one chunk as views of it, without copying', () => {
    const chunk = Buffer.concat([encodeFrame({ a: 1 }), encodeFrame('two'), encodeFrame([3])]);
    const decoder = new FrameDecoder(1024);
    decoder.push(chunk);
    const first = decoder.next();
    expect(first?.buffer).toBe(chunk.buffer);
    expect(decodeBody(first as Buffer)).toEqual({ a: 1 });
    expect(drain(decoder)).toEqual(['two', [3]]);
    expect(decoder.buffered).toBe(0);
  });

  it('reassembles frames split at every byte', () => {
    const bytes = Buffer.concat([
      encodeFrame({ seq: 1 }),
      encodeFrame({ seq: 2, s: 'x'.repeat(300) }),
    ]);
    const decoder = new FrameDecoder(1024);
    const out: unknown[] = [];
    for (const byte of bytes) {
      decoder.push(Buffer.from([byte]));
      out.push(...drain(decoder));
    }
    expect(out).toEqual([{ seq: 1 }, { seq: 2, s: 'x'.repeat(300) }]);
  });

  it('refuses a length prefix over the limit before its body arrives', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(Buffer.from([0, 0, 0, 101]));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: 'FRAME_TOO_LARGE' }));
  });

  it('refuses an empty frame', () => {
    const decoder = new FrameDecoder(100);
    decoder.push(Buffer.from([0, 0, 0, 0]));
    expect(() => decoder.next()).toThrow(expect.objectContaining({ code: 'PROTOCOL' }));
  });

  it('waits for the rest of a frame', () => {
    const frame = encodeFrame({ big: 'y'.repeat(1000) });
    const decoder = new FrameDecoder(2048);
    decoder.push(frame.subarray(0, 3));
    expect(decoder.next()).toBeUndefined();
    decoder.push(frame.subarray(3, 500));
    expect(decoder.next()).toBeUndefined();
    decoder.push(frame.subarray(500));
    expect(drain(decoder)).toEqual([{ big: 'y'.repeat(1000) }]);
  });
});
