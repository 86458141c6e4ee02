const utf8 = new TextEncoder();
const hex = '0123456789ABCDEF';

/**
 * The `Idempotency-Key` header value a gateway sends for a step's idempotency key. A key of
 * visible ASCII without `%` (`order-17:charge`) is sent as it is; any other byte of its UTF-8 form
 * (non-ASCII letters, spaces, `%`) is percent-encoded, so every Command id the node accepts can
 * be carried, and `decodeURIComponent` gives the key back.
 */
export function idempotencyHeader(key: string): string {
  if (/^[\x21-\x24\x26-\x7e]*$/.test(key)) return key;
  let value = '';
  for (const byte of utf8.encode(key)) {
    value +=
      byte >= 0x21 && byte <= 0x7e && byte !== 0x25
        ? String.fromCharCode(byte)
        : `%${hex[byte >> 4]}${hex[byte & 15]}`;
  }
  return value;
}
