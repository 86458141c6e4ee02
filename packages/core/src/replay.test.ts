import { describe, expect, it } from 'vitest';
import { orderSaga } from '../test-support/scripted.js';
import type { LoggedRecord } from './event-log.js';
import type { LogRecord } from './records.js';
import { Replayer, replay } from './replay.js';

const types = new Map([['order', orderSaga]]) as never;
const at = 1;
const logged = (records: LogRecord[]): LoggedRecord[] =>
  records.map((record, position) => ({ position, record }));

describe('replay', () => {
  it('rebuilds state, attempts, outcomes and the next step', () => {
    const commands = replay(
      logged([
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
        { v: 1, kind: 'started', id: 'a', at },
        { v: 1, kind: 'outcome', id: 'a', at, step: 'reserve', service: 'r', outcome: 'R' },
        {
          v: 1,
          kind: 'delayed',
          id: 'a',
          at,
          step: 'charge',
          error: { code: 'DELAYED', message: 'm' },
        },
        { v: 1, kind: 'retried', id: 'a', at },
      ]),
      types,
    );
    expect(commands.get('a')).toMatchObject({
      attempts: 2,
      current: { state: 'executing', position: 'charge' },
      outcomes: [{ step: 'reserve', outcome: 'R' }],
      lastError: { code: 'DELAYED' },
      firstPosition: 0,
      lastPosition: 4,
    });
  });

  it('skips records of Commands accepted before the checkpoint, and counts them', () => {
    const replayer = new Replayer(types);
    replayer.apply({ position: 9, record: { v: 1, kind: 'done', id: 'old', at, result: 1 } });
    expect(replayer.commands.size).toBe(0);
    expect({ records: replayer.records, skipped: replayer.skipped }).toEqual({
      records: 1,
      skipped: 1,
    });
  });

  it.each([
    [
      'a second accepted record',
      [
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
      ],
      /accepted twice/,
    ],
    [
      'a record not valid in the state',
      [
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
        { v: 1, kind: 'retried', id: 'a', at },
      ],
      /not valid for a in state pending/,
    ],
    [
      'an outcome for another step',
      [
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
        { v: 1, kind: 'started', id: 'a', at },
        { v: 1, kind: 'outcome', id: 'a', at, step: 'ship', service: 's', outcome: 1 },
      ],
      /for step ship, but a is at reserve/,
    ],
    [
      'a snapshot of a state the type lacks',
      [
        {
          v: 1,
          kind: 'snapshot',
          id: 'a',
          at,
          command: {
            type: 'order',
            payload: 1,
            state: 'executing.fly',
            history: '',
            attempts: 1,
            outcomes: [],
            failures: [],
          },
        },
      ],
      /names state executing.fly/,
    ],
  ] as [string, LogRecord[], RegExp][])(
    'refuses %s with INVALID_RECORD',
    (_name, records, message) => {
      expect(() => replay(logged(records), types)).toThrow(message);
    },
  );

  it('a snapshot of a known Command only moves its first needed position', () => {
    const commands = replay(
      logged([
        { v: 1, kind: 'accepted', id: 'a', at, type: 'order', payload: 1 },
        {
          v: 1,
          kind: 'snapshot',
          id: 'a',
          at,
          command: {
            type: 'order',
            payload: 1,
            state: 'pending',
            history: '',
            attempts: 0,
            outcomes: [],
            failures: [],
            events: [],
          },
        },
      ]),
      types,
    );
    expect(commands.get('a')).toMatchObject({ firstPosition: 1, current: { key: 'pending' } });
  });
});
