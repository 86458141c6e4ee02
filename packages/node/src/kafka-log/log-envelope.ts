import { CoordinatorError, decodeRecord, type LogRecord } from '@coordinator/core';
import { Packr } from 'msgpackr';

/**
 * What each Kafka message's value holds: plain, self-describing MessagePack (no record
 * extension, no shared structures), so any MessagePack reader can read the topic.
 *
 * - `{ v: 1, epoch, record }`: a log record, stamped with the epoch of the CLAIM it was written
 *   under.
 * - `{ v: 1, claim: { node } }`: a CLAIM. It is adapter-internal (never yielded by `read`); its
 *   own offset is the new owner's epoch.
 */
export type Envelope =
  | { readonly kind: 'record'; readonly epoch: number; readonly record: unknown }
  | { readonly kind: 'claim'; readonly node: string };

export const contentType = 'application/x-msgpack';
const envelopeVersion = 1;

const packr = new Packr({ useRecords: false, mapsAsObjects: true, copyBuffers: true });

export function encodeRecordEnvelope(record: LogRecord, epoch: number): Buffer {
  return packr.pack({ v: envelopeVersion, epoch, record });
}

export function encodeClaimEnvelope(node: string): Buffer {
  return packr.pack({ v: envelopeVersion, claim: { node } });
}

function corrupt(where: string, why: string, cause?: unknown): CoordinatorError {
  return new CoordinatorError('LOG_CORRUPT', `Message at ${where} ${why}`, { cause });
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Decodes a message value.
 * @throws CoordinatorError `LOG_CORRUPT` (naming `where`) for a value that is not an envelope of
 * this version: an empty value, bytes that are not MessagePack, or another shape.
 */
export function decodeEnvelope(value: Buffer | null, where: string): Envelope {
  if (value === null || value.length === 0) throw corrupt(where, 'has no value');
  let decoded: unknown;
  try {
    decoded = packr.unpack(value);
  } catch (cause) {
    throw corrupt(where, 'is not valid MessagePack', cause);
  }
  if (!isObject(decoded) || decoded.v !== envelopeVersion) {
    throw corrupt(where, `is not a version ${envelopeVersion} coordinator envelope`);
  }
  if (isObject(decoded.claim) && typeof decoded.claim.node === 'string') {
    return { kind: 'claim', node: decoded.claim.node };
  }
  if (Number.isSafeInteger(decoded.epoch) && 'record' in decoded) {
    return { kind: 'record', epoch: decoded.epoch as number, record: decoded.record };
  }
  throw corrupt(where, 'is neither a record nor a CLAIM envelope');
}

/**
 * The log record inside a record envelope's bytes.
 * @throws CoordinatorError `LOG_CORRUPT`, or the record's own `INVALID_RECORD` /
 * `UNSUPPORTED_VERSION` with `where` added.
 */
export function decodeRecordValue(value: Buffer, where: string): LogRecord {
  const envelope = decodeEnvelope(value, where);
  if (envelope.kind !== 'record') throw corrupt(where, 'is a CLAIM, not a record');
  try {
    return decodeRecord(envelope.record);
  } catch (cause) {
    if (!(cause instanceof CoordinatorError)) throw cause;
    throw new CoordinatorError(cause.code, `${cause.message} (at ${where})`, { cause });
  }
}
