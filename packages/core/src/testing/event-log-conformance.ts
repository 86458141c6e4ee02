import type { EventLog } from '../event-log.js';
import type { LogRecord } from '../records.js';
import { expectCode, expectEqual, fail, readAll, recorder } from './conformance-assertions.js';

/** One log to check, fresh for each check, and what it can be put through. */
export interface EventLogUnderTest {
  readonly log: EventLog;
  /** The partition count to `own` with (a cluster log's topic count). */
  readonly partitions: number;
  /** Moves `partition` to another node, as a cluster's rebalance would. Absent where nothing moves. */
  readonly moveAway?: (partition: number) => Promise<void>;
  /** Another writer takes `partition` over behind this node's back. Absent where that cannot happen. */
  readonly takeOver?: (partition: number) => Promise<void>;
  /** Opens the same data again after `log` was closed, as a restarted node does. */
  readonly reopen?: () => Promise<EventLog>;
  /** Opens a second writer on the same data while `log` is open; it must be refused. */
  readonly rival?: () => Promise<EventLog>;
  /** Removes what the check made (directories, topics, connections). */
  readonly dispose?: () => Promise<void>;
}

/** One named check; run it under any test runner (`it(check.name, check.run)`). */
export interface ConformanceCheck {
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** The checks a log cannot take part in are left out, never passed silently. */
type Capability = 'moveAway' | 'takeOver' | 'reopen' | 'rival';

export interface ConformanceOptions {
  /** Which of the optional checks apply: their functions must then be given. @default none */
  readonly supports?: readonly Capability[];
}

let sequence = 0;

/** Records of every shape the port carries, with payloads JSON and MessagePack must keep exactly. */
function sampleRecords(count: number): LogRecord[] {
  const records: LogRecord[] = [];
  for (let i = 0; i < count; i++) {
    const id = `conformance-${++sequence}`;
    records.push({
      v: 1,
      kind: 'accepted',
      id,
      at: 1_700_000_000_000 + i,
      type: 'order',
      payload: { sku: `A-${i}`, qty: i, note: '订单 ✓ 😀', tags: ['x', null, true], n: -1.5 },
    });
    records.push({
      v: 1,
      kind: 'outcome',
      id,
      at: 1_700_000_000_001 + i,
      step: 'reserve',
      service: 'inventory',
      outcome: { ok: true },
    });
  }
  return records;
}

/**
 * The contract every {@link EventLog} keeps, as named checks: the memory, file and Kafka logs run
 * them, and so can a third-party adapter (`it(check.name, check.run)` for each).
 *
 * @example
 * for (const check of eventLogConformance(async () => ({ log: new MemoryEventLog(), partitions: 4 }))) {
 *   it(check.name, check.run);
 * }
 */
export function eventLogConformance(
  open: () => Promise<EventLogUnderTest>,
  { supports = [] }: ConformanceOptions = {},
): ConformanceCheck[] {
  const checks: ConformanceCheck[] = [];
  const check = (name: string, body: (subject: EventLogUnderTest) => Promise<void>) => {
    checks.push({
      name,
      run: async () => {
        const subject = await open();
        try {
          await body(subject);
        } finally {
          await subject.log.close().catch(() => undefined);
          await subject.dispose?.();
        }
      },
    });
  };
  const owning = async (subject: EventLogUnderTest, ...partitions: number[]) => {
    const listener = recorder();
    await subject.log.own(subject.partitions, listener);
    await Promise.all(partitions.map((p) => listener.when(p, true)));
    return listener;
  };

  check('tells the listener of each owned partition once, and refuses a second own', async (s) => {
    const listener = await owning(s, 0);
    if (listener.calls.filter((c) => c === 'assigned 0').length !== 1) {
      fail(`partition 0 must be assigned once, calls were ${listener.calls.join(', ')}`);
    }
    await expectCode(() => s.log.own(s.partitions, recorder()), ['INVALID_OPTION'], 'own twice');
  });

  check('appends in call order and reads back exactly what was appended', async (s) => {
    await owning(s, 0);
    const records = sampleRecords(3);
    const writes = await Promise.all([
      s.log.append(0, records.slice(0, 2)),
      s.log.append(0, records.slice(2, 4)),
      s.log.append(0, records.slice(4, 6)),
    ]);
    const positions = writes.flat();
    for (let i = 1; i < positions.length; i++) {
      if (!((positions[i] as number) > (positions[i - 1] as number))) {
        fail(`positions must ascend in call order, got ${positions.join(', ')}`);
      }
    }
    const read = await readAll(s.log, 0, 0);
    expectEqual(
      read.map((r) => r.position),
      positions,
      'positions read from the start',
    );
    expectEqual(
      read.map((r) => r.record),
      records,
      'records read back',
    );
    const from = positions[2] as number;
    expectEqual(
      (await readAll(s.log, 0, from)).map((r) => r.position),
      positions.slice(2),
      `records read from position ${from}`,
    );
    if (!((await s.log.head(0)) > (positions.at(-1) as number))) {
      fail('head must lie past the last record');
    }
  });

  check('keeps partitions apart', async (s) => {
    await owning(s, 0, 1);
    const [a, b] = [sampleRecords(1), sampleRecords(1)];
    await s.log.append(0, a);
    await s.log.append(1, b);
    expectEqual(
      (await readAll(s.log, 1, 0)).map((r) => r.record),
      b,
      'partition 1',
    );
    expectEqual(
      (await readAll(s.log, 0, 0)).map((r) => r.record),
      a,
      'partition 0',
    );
  });

  check('keeps the last committed checkpoint, 0 before any', async (s) => {
    await owning(s, 0);
    expectEqual(await s.log.loadCheckpoint(0), 0, 'checkpoint before any commit');
    const positions = await s.log.append(0, sampleRecords(2));
    await s.log.commitCheckpoint(0, positions[1] as number);
    await s.log.commitCheckpoint(0, positions[3] as number);
    expectEqual(await s.log.loadCheckpoint(0), positions[3], 'checkpoint after two commits');
  });

  check('refuses a partition outside its count with a coded error', async (s) => {
    await owning(s, 0);
    for (const partition of [-1, s.partitions]) {
      await expectCode(
        () => s.log.append(partition, sampleRecords(1)),
        ['INVALID_OPTION', 'NOT_OWNER'],
        `append to partition ${partition}`,
      );
    }
  });

  check('after close refuses every call with CLOSED and calls the listener no more', async (s) => {
    const listener = await owning(s, 0);
    await s.log.append(0, sampleRecords(1));
    await s.log.close();
    await s.log.close();
    const calls = listener.calls.length;
    await expectCode(() => s.log.append(0, sampleRecords(1)), ['CLOSED'], 'append after close');
    await expectCode(() => s.log.loadCheckpoint(0), ['CLOSED'], 'loadCheckpoint after close');
    await expectCode(() => s.log.commitCheckpoint(0, 0), ['CLOSED'], 'commit after close');
    await expectCode(() => readAll(s.log, 0, 0), ['CLOSED'], 'read after close');
    expectEqual(listener.calls.length, calls, 'listener calls after close');
  });

  checks.push(
    ...optional('keeps records and checkpoints across a reopen', 'reopen', async (s, reopen) => {
      await owning(s, 0);
      const records = sampleRecords(2);
      const positions = await s.log.append(0, records);
      await s.log.commitCheckpoint(0, positions[2] as number);
      await s.log.close();
      const again = await reopen();
      try {
        const listener = recorder();
        await again.own(s.partitions, listener);
        await listener.when(0, true);
        const checkpoint = await again.loadCheckpoint(0);
        expectEqual(checkpoint, positions[2], 'checkpoint after the reopen');
        expectEqual(
          (await readAll(again, 0, checkpoint)).map((r) => r.record),
          records.slice(2),
          'records from the checkpoint after the reopen',
        );
      } finally {
        await again.close();
      }
    }),
    ...optional(
      'refuses a second writer on the same data with FENCED',
      'rival',
      async (_s, rival) => {
        await expectCode(rival, ['FENCED'], 'a second writer');
      },
    ),
    ...optional(
      'revokes a partition moved away; appends to it get NOT_OWNER',
      'moveAway',
      async (s, moveAway) => {
        const listener = await owning(s, 0);
        await s.log.append(0, sampleRecords(1));
        await moveAway(0);
        await listener.when(0, false);
        await expectCode(
          () => s.log.append(0, sampleRecords(1)),
          ['NOT_OWNER'],
          'append after the move',
        );
      },
    ),
    ...optional(
      'fences a partition another writer took over: revoked, appends refused',
      'takeOver',
      async (s, takeOver) => {
        const listener = await owning(s, 0);
        await s.log.append(0, sampleRecords(1));
        await takeOver(0);
        await listener.when(0, false);
        await expectCode(
          () => s.log.append(0, sampleRecords(1)),
          ['FENCED', 'NOT_OWNER'],
          'append after the takeover',
        );
      },
    ),
  );
  return checks;

  /** A check for the logs that declare `capability`; left out for the others. */
  function optional<C extends Capability>(
    name: string,
    capability: C,
    body: (s: EventLogUnderTest, given: NonNullable<EventLogUnderTest[C]>) => Promise<void>,
  ): ConformanceCheck[] {
    if (!supports.includes(capability)) return [];
    return [
      {
        name,
        run: async () => {
          const subject = await open();
          try {
            const given = subject[capability];
            if (given === undefined) fail(`${capability} is declared supported but not given`);
            await body(subject, given as NonNullable<EventLogUnderTest[C]>);
          } finally {
            await subject.log.close().catch(() => undefined);
            await subject.dispose?.();
          }
        },
      },
    ];
  }
}
