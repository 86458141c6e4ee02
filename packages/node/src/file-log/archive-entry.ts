import { type ArchivedOutcome, CoordinatorError, idempotencyKey } from '@coordinator/core';
import { decodeValue, encodeValue } from './record-codec.js';

/**
 * One Outcome in a service's archive, as stored (MessagePack in a checksummed frame): the
 * Command id, its type, the step, the time, the Outcome, `c` for a compensation. The service is
 * the archive's; the cursor is the entry's position in it.
 */
export interface ArchiveEntry {
  readonly id: string;
  readonly type: string;
  readonly step: string;
  readonly at: number;
  readonly outcome: unknown;
  readonly c?: true;
}

export function encodeEntry(entry: ArchiveEntry): Uint8Array {
  return encodeValue(entry);
}

/**
 * Decodes an entry's payload.
 * @throws CoordinatorError `LOG_CORRUPT` naming `where` for bytes that are not an entry.
 */
export function decodeEntry(bytes: Uint8Array, where: string): ArchiveEntry {
  const value = decodeValue(bytes, where) as Partial<ArchiveEntry> | null;
  if (
    typeof value !== 'object' ||
    value === null ||
    typeof value.id !== 'string' ||
    typeof value.type !== 'string' ||
    typeof value.step !== 'string' ||
    typeof value.at !== 'number'
  ) {
    throw new CoordinatorError('LOG_CORRUPT', `Outcome archive entry at ${where} is malformed`);
  }
  return value as ArchiveEntry;
}

/** The cursor of the entry at `position`: its position in decimal (opaque to clients). */
export function cursorOf(position: number): string {
  return String(position);
}

/**
 * The position a cursor names.
 * @throws CoordinatorError `INVALID_CURSOR` naming `parameter` for text no page gave out.
 */
export function positionOfCursor(cursor: string, parameter: string): number {
  const position = /^\d{1,15}$/.test(cursor) ? Number(cursor) : Number.NaN;
  if (!Number.isSafeInteger(position)) {
    throw new CoordinatorError(
      'INVALID_CURSOR',
      `Expected \`${parameter}\` to be a cursor from an earlier page of GET /v1/outcomes, got ${JSON.stringify(cursor)}`,
    );
  }
  return position;
}

/** The entry as the API lists it. */
export function archivedOutcome(
  service: string,
  position: number,
  entry: ArchiveEntry,
): ArchivedOutcome {
  return {
    cursor: cursorOf(position),
    commandId: entry.id,
    type: entry.type,
    step: entry.step,
    service,
    idempotencyKey: idempotencyKey(entry.id, entry.step),
    at: entry.at,
    outcome: entry.outcome,
    compensation: entry.c === true,
  };
}
