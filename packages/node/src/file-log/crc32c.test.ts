import { describe, expect, it } from 'vitest';
import { crc32c } from './crc32c.js';

describe('crc32c', () => {
  it('matches the check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(Buffer.alloc(32, 0))).toBe(0x8a9136aa);
    expect(crc32c(Buffer.alloc(32, 0xff))).toBe(0x62a8ab43);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => i)))).toBe(0x46dd794e);
    expect(crc32c(Buffer.from(Array.from({ length: 32 }, (_, i) => 31 - i)))).toBe(0x113fdb5c);
    expect(crc32c(Buffer.alloc(0))).toBe(0);
  });

  it('checksums a range as it checksums the same bytes alone', () => {
    const bytes = Buffer.from(Array.from({ length: 300 }, (_, i) => (i * 7919) & 0xff));
    for (const [start, end] of [
      [0, 300],
      [3, 17],
      [5, 5],
      [1, 299],
    ] as const) {
      expect(crc32c(bytes, start, end)).toBe(crc32c(Buffer.from(bytes.subarray(start, end))));
    }
  });
});
