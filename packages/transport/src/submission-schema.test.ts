import { describe, expect, it } from 'vitest';
import { parseFilter, parseSubmission } from './submission-schema.js';

const invalid = (message: string) =>
  expect.objectContaining({ code: 'INVALID_PAYLOAD', message: expect.stringContaining(message) });

describe('parseSubmission', () => {
  it('accepts {type, payload, id?} and takes the Idempotency-Key for the id', () => {
    expect(parseSubmission({ type: 't', payload: null })).toEqual({ type: 't', payload: null });
    expect(parseSubmission({ type: 't', payload: 1, id: 'x' })).toEqual({
      type: 't',
      payload: 1,
      id: 'x',
    });
    expect(parseSubmission({ type: 't', payload: 1 }, 'k')).toEqual({
      type: 't',
      payload: 1,
      id: 'k',
    });
    expect(parseSubmission({ type: 't', payload: 1, id: 'k' }, 'k')).toEqual({
      type: 't',
      payload: 1,
      id: 'k',
    });
  });

  it.each([
    [[], 'submission object'],
    [{ payload: 1 }, '`type`'],
    [{ type: '', payload: 1 }, '`type`'],
    [{ type: 't' }, 'no `payload`'],
    [{ type: 't', payload: 1, id: 7 }, '`id`'],
    [{ type: 't', payload: 1, id: 'x'.repeat(257) }, '`id`'],
    [{ type: 't', payload: 1, extra: true }, 'Unknown submission field `extra`'],
  ])('refuses %j', (value, message) => {
    expect(() => parseSubmission(value)).toThrow(invalid(message));
  });

  it('refuses a body id that differs from the header', () => {
    expect(() => parseSubmission({ type: 't', payload: 1, id: 'a' }, 'b')).toThrow(
      invalid('differ'),
    );
  });
});

describe('parseFilter', () => {
  it('reads query strings and numbers alike', () => {
    expect(parseFilter({ state: 'done', type: 't', limit: '5' })).toEqual({
      state: 'done',
      type: 't',
      limit: 5,
    });
    expect(parseFilter({ limit: 7 })).toEqual({ limit: 7 });
  });

  it.each([{ state: 'sleeping' }, { limit: '0' }, { limit: '1001' }, { limit: 'x' }, { type: 3 }])(
    'refuses %j',
    (value) => {
      expect(() => parseFilter(value)).toThrow(
        expect.objectContaining({ code: 'INVALID_PAYLOAD' }),
      );
    },
  );
});
