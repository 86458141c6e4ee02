import { describe, expect, it } from 'vitest';
import { decodeRecord, recordSchema } from './records.js';

const base = { v: 1, id: 'c1', at: 5 };

describe('decodeRecord', () => {
  it('accepts every kind of the schema', () => {
    const samples = [
      { ...base, kind: 'accepted', type: 'order', payload: { a: 1 } },
      { ...base, kind: 'started' },
      { ...base, kind: 'outcome', step: 's', service: 'svc', outcome: null },
      { ...base, kind: 'failed', step: 's', error: { code: 'STEP_FAILED', message: 'm' } },
      { ...base, kind: 'delayed', step: 's', error: { code: 'DELAYED', message: 'm' } },
      {
        ...base,
        kind: 'delayed',
        step: 's',
        service: 'svc',
        error: { code: 'DELAYED', message: 'm' },
      },
      { ...base, kind: 'blocked', step: 's', error: { code: 'BLOCKED', message: 'm' } },
      { ...base, kind: 'retried' },
      { ...base, kind: 'retried', by: 'operator' },
      { ...base, kind: 'cancelled' },
      { ...base, kind: 'done', result: 3 },
      { ...base, kind: 'done', error: { code: 'STEP_FAILED', message: 'm' } },
      {
        ...base,
        kind: 'snapshot',
        command: {
          type: 'order',
          payload: 1,
          state: 'delayed',
          history: 'reserve',
          attempts: 2,
          outcomes: [{ step: 'a', service: 'b', outcome: 1 }],
          failures: [{ step: 'c', error: { code: 'X', message: 'y' } }],
          events: [{ kind: 'accepted', at: 1 }],
        },
      },
    ];
    expect(new Set(samples.map((s) => s.kind))).toEqual(new Set(Object.keys(recordSchema)));
    for (const sample of samples) expect(decodeRecord(sample)).toBe(sample);
  });

  it('refuses other versions with UNSUPPORTED_VERSION', () => {
    expect(() => decodeRecord({ ...base, v: 2, kind: 'started' })).toThrow(
      expect.objectContaining({
        code: 'UNSUPPORTED_VERSION',
        message: expect.stringContaining('upgrade'),
      }),
    );
  });

  it.each([
    ['not an object', 42, /must be an object/],
    ['an array', [1], /must be an object/],
    ['an unknown kind', { ...base, kind: 'teleported' }, /Unknown record kind "teleported"/],
    ['no id', { v: 1, at: 1, kind: 'started' }, /no Command id/],
    ['an empty id', { ...base, id: '', kind: 'started' }, /no Command id/],
    ['no time', { v: 1, id: 'c', kind: 'started' }, /no valid time/],
    [
      'a wrong field type',
      { ...base, kind: 'outcome', step: 1, service: 's', outcome: 1 },
      /invalid `step`/,
    ],
    [
      'a missing outcome',
      { ...base, kind: 'outcome', step: 's', service: 's' },
      /invalid `outcome`/,
    ],
    [
      'a malformed error',
      { ...base, kind: 'failed', step: 's', error: { code: 1 } },
      /invalid `error`/,
    ],
    ['an unknown field', { ...base, kind: 'started', extra: 1 }, /unknown field `extra`/],
    [
      'a malformed snapshot',
      { ...base, kind: 'snapshot', command: { type: 'x' } },
      /invalid `command`/,
    ],
    ['a done with a bad error', { ...base, kind: 'done', error: 'x' }, /invalid `error`/],
  ])('refuses %s with INVALID_RECORD', (_name, value, message) => {
    expect(() => decodeRecord(value)).toThrow(message);
    expect(() => decodeRecord(value)).toThrow(expect.objectContaining({ code: 'INVALID_RECORD' }));
  });
});
