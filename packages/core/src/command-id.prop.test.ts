import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkCommandId, maxIdLength } from './command-id.js';

const control = fc
  .oneof(fc.integer({ min: 0, max: 0x1f }), fc.integer({ min: 0x7f, max: 0x9f }))
  .map((c) => String.fromCharCode(c));
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

describe('checkCommandId', () => {
  it('accepts 1 to 256 characters of any Unicode without controls', () => {
    const fine = fc
      .string({ unit: 'binary', minLength: 1, maxLength: maxIdLength })
      // biome-ignore lint/suspicious/noControlCharactersInRegex: leaving control characters out
      .filter((s) => !/[\u0000-\u001f\u007f-\u009f]/u.test(s));
    fc.assert(
      fc.property(fine, (id) => {
        expect(checkCommandId(id)).toBe(id);
      }),
    );
  });

  it('refuses control characters and unpaired surrogates wherever they stand, naming the code point', () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 20 }),
        fc.oneof(control, loneSurrogate),
        fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
        (before, bad, after) => {
          // A high surrogate followed by a low one would be a pair, not a bad character.
          const id = `${before}${bad}${/^[\udc00-\udfff]/.test(after) ? '' : after}`;
          fc.pre(!/[\ud800-\udbff]$/.test(before) || !/^[\udc00-\udfff]/.test(bad));
          expect(() => checkCommandId(id)).toThrow(/U\+[0-9A-F]{4}/);
        },
      ),
    );
  });

  it('counts characters, not UTF-16 units: 256 emoji pass, 257 do not', () => {
    expect(checkCommandId('😀'.repeat(256))).toHaveLength(512);
    expect(() => checkCommandId('😀'.repeat(257))).toThrow(/at most 256 characters, got 257/);
    expect(() => checkCommandId('')).toThrow(/non-empty/);
    expect(() => checkCommandId(42, 'Idempotency-Key')).toThrow(/`Idempotency-Key`/);
  });
});
