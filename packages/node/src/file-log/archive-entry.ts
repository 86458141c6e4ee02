import {
  type ArchivedOutcome,
  CoordinatorError,
  idempotencyKey,
  type OutcomeRecord,
} from '@coordinator/core';
import { decodeRecordBytes, encodeRecord } from './record-codec.js';

/**
 * One Outcome on its way into a service's archive: the Outcome record's bytes as the log encodes
 * them (the archive stores them as they are, so nothing is encoded twice), its idempotency key
 * and time.
 */
export interface ArchiveItem {
  readonly service: string;
  readonly key: string;
  readonly at: number;
  readonly bytes: Uint8Array;
}

/** An Outcome record as an archive item (copying its encoding). */
export function archiveItem(record: OutcomeRecord, encoded = encodeRecord(record)): ArchiveItem {
  return {
    service: record.service,
    key: idempotencyKey(record.id, record.step),
    at: record.at,
    bytes: Buffer.from(encoded),
  };
}

/**
 * Decodes an archived entry: an Outcome record.
 * @throws CoordinatorError `LOG_CORRUPT` naming `where` for bytes that are not one.
 */
export function decodeEntry(bytes: Uint8Array, where: string): OutcomeRecord {
  const record = decodeRecordBytes(bytes, where);
  if (record.kind !== 'outcome') {
    throw new CoordinatorError(
      'LOG_CORRUPT',
      `Outcome archive entry at ${where} is a ${record.kind} record`,
    );
  }
  return record;
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
export function archivedOutcome(position: number, record: OutcomeRecord): ArchivedOutcome {
  return {
    cursor: cursorOf(position),
    commandId: record.id,
    type: record.type ?? '',
    step: record.step,
    service: record.service,
    idempotencyKey: idempotencyKey(record.id, record.step),
    at: record.at,
    outcome: record.outcome,
    compensation: record.compensation === true,
  };
}
