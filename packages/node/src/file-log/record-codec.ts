import { CoordinatorError, decodeRecord, type LogRecord } from '@coordinator/core';
import { Packr } from 'msgpackr';

/**
 * Plain, self-describing MessagePack: no record extension, no shared structures, so a segment
 * can be read on its own by any MessagePack reader. `undefined` is written as fixext1 type 0
 * (`d4 00 00`), which msgpackr and several other implementations read back as `undefined`.
 * `copyBuffers` keeps decoded binary values from aliasing the read buffer.
 */
const packr = new Packr({ useRecords: false, mapsAsObjects: true, copyBuffers: true });

/**
 * Encodes a record; the bytes are valid until the next call. Records are not checked against the
 * schema here (as `MemoryEventLog` does not check them): with the current `decodeRecord` that
 * check cost a quarter of the throughput at concurrency 256. Reads check every record.
 * @throws the encoder's error for a value MessagePack cannot hold (a symbol, a cycle).
 */
export function encodeRecord(record: LogRecord): Uint8Array {
  return packr.pack(record);
}

/** Any value as the same plain MessagePack (the outcome archive's entries and manifest). */
export function encodeValue(value: unknown): Uint8Array {
  return packr.pack(value);
}

/**
 * Decodes MessagePack bytes written by {@link encodeValue} or {@link encodeRecord}.
 * @throws CoordinatorError `LOG_CORRUPT` naming `where` when they are not MessagePack.
 */
export function decodeValue(bytes: Uint8Array, where: string): unknown {
  try {
    return packr.unpack(bytes);
  } catch (cause) {
    throw new CoordinatorError('LOG_CORRUPT', `Record at ${where} is not valid MessagePack`, {
      cause,
    });
  }
}

/**
 * Decodes one record's payload.
 * @throws CoordinatorError `LOG_CORRUPT` when the bytes are not MessagePack, or the record's own
 * `INVALID_RECORD` / `UNSUPPORTED_VERSION` with `where` added.
 */
export function decodeRecordBytes(bytes: Uint8Array, where: string): LogRecord {
  const value = decodeValue(bytes, where);
  try {
    return decodeRecord(value);
  } catch (cause) {
    if (!(cause instanceof CoordinatorError)) throw cause;
    throw new CoordinatorError(cause.code, `${cause.message} (at ${where})`, { cause });
  }
}
