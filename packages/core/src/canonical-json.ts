/**
 * A payload's canonical text: JSON with object keys sorted and `undefined` fields left out, so two
 * payloads that mean the same compare equal whatever their key order or encoding round trip.
 * Values JSON lacks get a tagged form: bigints `{"$bigint":"12"}`, bytes `{"$bytes":"<base64>"}`,
 * Maps and Sets their entries. A resubmit with a known id is the same Command only when its type
 * and canonical payload equal the first one's (see docs/errors.md, `ID_CONFLICT`).
 */
export function canonicalJson(value: unknown): string {
  const parts: string[] = [];
  write(value, parts, new Set());
  return parts.join('');
}

function write(value: unknown, out: string[], seen: Set<object>): void {
  switch (typeof value) {
    case 'string':
      out.push(JSON.stringify(value));
      return;
    case 'number':
      out.push(Number.isFinite(value) ? JSON.stringify(value === 0 ? 0 : value) : 'null');
      return;
    case 'boolean':
      out.push(value ? 'true' : 'false');
      return;
    case 'bigint':
      out.push(`{"$bigint":${JSON.stringify(value.toString())}}`);
      return;
    case 'object':
      break;
    default:
      out.push('null');
      return;
  }
  if (value === null) {
    out.push('null');
    return;
  }
  if (seen.has(value)) {
    out.push('"[circular]"');
    return;
  }
  seen.add(value);
  if (value instanceof Uint8Array) {
    out.push(`{"$bytes":${JSON.stringify(bytesToBase64(value))}}`);
  } else if (value instanceof Date) {
    out.push(JSON.stringify(Number.isNaN(value.getTime()) ? null : value.toISOString()));
  } else if (Array.isArray(value) || value instanceof Set) {
    out.push('[');
    let first = true;
    for (const item of value) {
      if (!first) out.push(',');
      first = false;
      write(item === undefined ? null : item, out, seen);
    }
    out.push(']');
  } else if (value instanceof Map) {
    write(Object.fromEntries(value), out, seen);
  } else {
    const record = value as Record<string, unknown>;
    const keys = Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort();
    out.push('{');
    keys.forEach((key, i) => {
      if (i > 0) out.push(',');
      out.push(JSON.stringify(key), ':');
      write(record[key], out, seen);
    });
    out.push('}');
  }
  seen.delete(value);
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Base64 without `Buffer` (the core runs anywhere). */
function bytesToBase64(bytes: Uint8Array): string {
  let text = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const a = bytes[i] as number;
    const b = bytes[i + 1];
    const c = bytes[i + 2];
    text += alphabet[a >> 2];
    text += alphabet[((a & 3) << 4) | ((b ?? 0) >> 4)];
    text += b === undefined ? '=' : alphabet[((b & 15) << 2) | ((c ?? 0) >> 6)];
    text += c === undefined ? '=' : alphabet[c & 63];
  }
  return text;
}
