import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { idempotencyHeader } from './idempotency-header.js';

describe('idempotencyHeader', () => {
  it('is visible ASCII that decodes back to the key, for any well-formed key', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (key) => {
        const header = idempotencyHeader(key);
        expect(header).toMatch(/^[\x21-\x7e]*$/);
        expect(decodeURIComponent(header)).toBe(key);
        expect(() => new Headers({ 'idempotency-key': header })).not.toThrow();
      }),
    );
  });

  it('sends keys of visible ASCII without % unchanged, and tells every two keys apart', () => {
    expect(idempotencyHeader('order-17:charge')).toBe('order-17:charge');
    expect(idempotencyHeader('a%41')).toBe('a%2541');
    expect(idempotencyHeader('订单 1')).toBe('%E8%AE%A2%E5%8D%95%201');
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: 'binary' }), (a, b) => {
        fc.pre(a !== b);
        expect(idempotencyHeader(a)).not.toBe(idempotencyHeader(b));
      }),
    );
  });
});
