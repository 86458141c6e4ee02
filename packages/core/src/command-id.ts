import { CoordinatorError } from './errors.js';

/** Longest Command id a client may choose, in Unicode characters (code points). */
export const maxIdLength = 256;

/** C0 controls, DEL and C1 controls; and a UTF-16 surrogate not paired with its other half. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const forbidden = /[\u0000-\u001f\u007f-\u009f]|[\ud800-\udfff]/u;

/**
 * The one rule for Command ids chosen by clients (body `id`, `Idempotency-Key`, stream `id`): 1 to
 * {@link maxIdLength} Unicode characters, none of them a control character (U+0000–U+001F,
 * U+007F–U+009F) and no unpaired surrogate. Every such id can be written to the log, read back
 * unchanged, put in a URL and carried by a service gateway.
 * @throws CoordinatorError `INVALID_PAYLOAD` naming the field and the rule.
 */
export function checkCommandId(id: unknown, field = 'id'): string {
  if (typeof id !== 'string' || id.length === 0) {
    throw new CoordinatorError('INVALID_PAYLOAD', `Expected \`${field}\` to be a non-empty string`);
  }
  let length = 0;
  for (const _ of id) length += 1;
  if (length > maxIdLength) {
    throw new CoordinatorError(
      'INVALID_PAYLOAD',
      `Expected \`${field}\` to be at most ${maxIdLength} characters, got ${length}`,
    );
  }
  const bad = forbidden.exec(id);
  if (bad) {
    const code = (bad[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0');
    throw new CoordinatorError(
      'INVALID_PAYLOAD',
      `Expected \`${field}\` without control characters or unpaired surrogates, got U+${code} at index ${bad.index}`,
    );
  }
  return id;
}
