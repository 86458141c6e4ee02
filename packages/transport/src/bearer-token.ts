import { createHash, timingSafeEqual } from 'node:crypto';
import { CoordinatorError } from '@coordinator/core';

/**
 * The shared secret that guards the HTTP API and the stream protocol. Comparison is in constant
 * time: both sides are hashed first, so neither content nor length leaks through timing.
 */
export class BearerToken {
  readonly #digest: Buffer;

  constructor(token: string) {
    if (token.length === 0) {
      throw new CoordinatorError('INVALID_OPTION', 'Expected the API token to be non-empty');
    }
    this.#digest = digest(token);
  }

  /** Whether `given` is the token. */
  matches(given: string | undefined): boolean {
    return timingSafeEqual(this.#digest, digest(given ?? ''));
  }

  /** Whether an `Authorization` header value carries the token (`Bearer <token>`). */
  authorizes(header: string | undefined): boolean {
    const match = /^Bearer +(\S+) *$/i.exec(header ?? '');
    return this.matches(match?.[1]);
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The refusal sent to a caller without the right token. */
export function unauthorized(where: string): CoordinatorError {
  return new CoordinatorError(
    'UNAUTHORIZED',
    `${where} needs the API token: send \`Authorization: Bearer <token>\` (the CLI reads COORDINATOR_API_TOKEN)`,
  );
}
