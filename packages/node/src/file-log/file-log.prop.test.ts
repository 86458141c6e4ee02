/**
 * Model test: any sequence of appends (awaited one by one or issued together), reads, checkpoint
 * commits and loads, and close + reopen gives the results the in-memory log gives.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoggedRecord, LogRecord } from '@coordinator/core';
import { MemoryEventLog } from '@coordinator/core/testing';
import { fc, test } from '@fast-check/vitest';
import { expect } from 'vitest';
import { FileLog } from './file-log.js';

/**
 * MessagePack has no -0, and msgpackr renames a `__proto__` key (prototype-pollution guard): the
 * two documented ways a decoded value differs from the one appended, so the model leaves them out.
 */
function plain(value: unknown): unknown {
  if (Object.is(value, -0)) return 0;
  if (Array.isArray(value)) return value.map(plain);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== '__proto__')
        .map(([key, v]) => [key, plain(v)]),
    );
  }
  return value;
}

const value = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)).map(plain);
const id = fc.string({ minLength: 1, maxLength: 12 });
const record: fc.Arbitrary<LogRecord> = fc.oneof(
  fc
    .record({ id, payload: value, type: fc.string() })
    .map((r): LogRecord => ({ v: 1, kind: 'accepted', at: 1, ...r })),
  fc
    .record({ id, outcome: value, step: fc.string(), service: fc.string() })
    .map((r): LogRecord => ({ v: 1, kind: 'outcome', at: 2, ...r })),
  fc.record({ id, result: value }).map((r): LogRecord => ({ v: 1, kind: 'done', at: 3, ...r })),
  id.map((i): LogRecord => ({ v: 1, kind: 'started', id: i, at: 4 })),
);

const partition = fc.nat({ max: 2 });
const records = fc.array(record, { minLength: 1, maxLength: 4 });
type Op =
  | { readonly op: 'append'; readonly partition: number; readonly records: LogRecord[] }
  | { readonly op: 'appendTogether'; readonly appends: Array<[number, LogRecord[]]> }
  | { readonly op: 'read'; readonly partition: number; readonly from: number }
  | { readonly op: 'commit'; readonly partition: number; readonly position: number }
  | { readonly op: 'load'; readonly partition: number }
  | { readonly op: 'reopen' };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { arbitrary: fc.record({ op: fc.constant('append'), partition, records }), weight: 4 },
    {
      arbitrary: fc.record({
        op: fc.constant('appendTogether'),
        appends: fc.array(fc.tuple(partition, records), { minLength: 2, maxLength: 6 }),
      }),
      weight: 2,
    },
    {
      arbitrary: fc.record({ op: fc.constant('read'), partition, from: fc.nat({ max: 40 }) }),
      weight: 3,
    },
    {
      arbitrary: fc.record({ op: fc.constant('commit'), partition, position: fc.nat({ max: 40 }) }),
      weight: 1,
    },
    { arbitrary: fc.record({ op: fc.constant('load'), partition }), weight: 1 },
    { arbitrary: fc.constant({ op: 'reopen' as const }), weight: 1 },
  ),
  { maxLength: 30 },
);

async function readAll(log: FileLog | MemoryEventLog, p: number, from: number) {
  const all: LoggedRecord[] = [];
  for await (const batch of log.read(p, from)) all.push(...batch);
  return all;
}

test.prop([ops, fc.constantFrom(96, 300, 4096)], { numRuns: 100 })(
  'behaves like the in-memory log for any sequence of operations',
  async (sequence, segmentBytes) => {
    const dir = await mkdtemp(join(tmpdir(), 'coordinator-file-log-model-'));
    const model = new MemoryEventLog();
    let log = await FileLog.open({ dir, segmentBytes });
    try {
      for (const step of sequence) {
        switch (step.op) {
          case 'append':
            expect(await log.append(step.partition, step.records)).toEqual(
              await model.append(step.partition, step.records),
            );
            break;
          case 'appendTogether': {
            const real = step.appends.map(([p, r]) => log.append(p, r));
            const expected = await Promise.all(step.appends.map(([p, r]) => model.append(p, r)));
            expect(await Promise.all(real)).toEqual(expected);
            break;
          }
          case 'read':
            expect(await readAll(log, step.partition, step.from)).toStrictEqual(
              await readAll(model, step.partition, step.from),
            );
            break;
          case 'commit':
            await log.commitCheckpoint(step.partition, step.position);
            await model.commitCheckpoint(step.partition, step.position);
            break;
          case 'load':
            expect(await log.loadCheckpoint(step.partition)).toBe(
              await model.loadCheckpoint(step.partition),
            );
            break;
          case 'reopen':
            await log.close();
            log = await FileLog.open({ dir, segmentBytes });
            break;
        }
      }
      for (const p of [0, 1, 2]) {
        expect(await readAll(log, p, 0)).toStrictEqual(await readAll(model, p, 0));
      }
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  },
);
