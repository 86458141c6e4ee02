/**
 * Bounded recovery on a real Kafka broker (issue 6). Long-delayed Commands pin the checkpoint;
 * once the partition's head runs more than `snapshotAfterRecords` (N) records past them, the
 * Driver carries them forward in snapshot records and the committed checkpoint (the group's
 * offset) moves past their accepted records and past the load written behind them. A fresh owner
 * (a new KafkaLog in the same group, a new Driver) then replays at most N records plus one
 * snapshot per unfinished Command (plus the few records those Commands wrote since the last
 * checkpoint round), and rebuilds them exactly as the first owner last held them (state, step,
 * attempts, Outcomes, timeline, last error, accepted and updated times); approved, they resume
 * there without running a recorded step again.
 *
 * In-process: the real Driver on a real KafkaLog, the system clock, deadlines on conditions.
 */
import {
  type CommandView,
  CoordinatorError,
  type CoordinatorEvent,
  type CoordinatorOptions,
  Driver,
  defineSaga,
} from '@coordinator/core';
import { KafkaLog } from '@coordinator/node/kafka';
import { systemClock, systemRandom, uuidIds } from '@coordinator/transport';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { type KafkaUnderTest, useKafka } from './support/kafka-brokers.js';
import { fastGroup, readAll, uniqueName } from './support/kafka-log-harness.js';
import { defineNoOpOrderSaga } from './support/no-op-order-saga.js';
import { waitFor } from './support/wait-for.js';

/** N: the most records the checkpoint may trail the head by before parked Commands are carried. */
const snapshotAfterRecords = 50;
/** Commands that stay delayed on the first owner: they pin the checkpoint. */
const heldCount = 2;
/** Other Commands run meanwhile: 6 records each, far more than N. */
const loadCount = 300;
const concurrency = 8;
/**
 * Records the held Commands may add beyond N + one snapshot each: what they write (a retried and
 * a delayed record per retry) between the last checkpoint round and the close, including a round
 * that had to skip one of them because it was retrying just then.
 */
const slack = 20;

/** What the held Commands' steps call; `approved` lets their waiting step succeed. */
interface Services {
  approved: boolean;
  /** Step runs per `<command id>:<step>`. */
  readonly runs: Map<string, number>;
}

function ran(services: Services, commandId: string, step: string): void {
  const key = `${commandId}:${step}`;
  services.runs.set(key, (services.runs.get(key) ?? 0) + 1);
}

const order = defineNoOpOrderSaga<{ n: number }, Services>();

/** Reserves, then waits for an approval (CoordinatorError.delayed until `approved`), then ships. */
const held = defineSaga<{ n: number }, Services>({
  type: 'held',
  steps: [
    {
      name: 'reserve',
      service: 'inventory',
      run: async (services, payload, info) => {
        ran(services, info.commandId, 'reserve');
        return { reserved: payload.n, attempt: info.attempt };
      },
    },
    {
      name: 'approve',
      service: 'approvals',
      run: async (services, _payload, info) => {
        ran(services, info.commandId, 'approve');
        if (!services.approved) throw CoordinatorError.delayed('approval still pending');
        return { approvedOnAttempt: info.attempt };
      },
    },
    {
      name: 'ship',
      service: 'shipping',
      run: async (services, _payload, info) => {
        ran(services, info.commandId, 'ship');
        return { shipped: true };
      },
    },
  ],
});

interface Owner {
  readonly log: KafkaLog;
  readonly driver: Driver<Services>;
  /** Every event but the (many) transitions. */
  readonly events: CoordinatorEvent[];
  close(): Promise<void>;
}

let kafka: KafkaUnderTest;
const owners: Owner[] = [];

beforeAll(async () => {
  kafka = await useKafka();
});

afterEach(async () => {
  await Promise.allSettled(owners.splice(0).map((o) => o.close()));
});

afterAll(async () => {
  await kafka?.release();
});

/**
 * One owner of the single-partition topic: a KafkaLog joining `groupId` and a Driver on it, as a
 * node wires them. Resolves once the group assigned partition 0 and the Driver replayed it.
 */
async function startOwner(
  name: string,
  where: { topic: string; groupId: string },
  services: Services,
  options: Partial<CoordinatorOptions>,
  onEvent: (event: CoordinatorEvent, driver: Driver<Services>) => void = () => {},
): Promise<Owner> {
  const log = await KafkaLog.open({
    ...fastGroup,
    brokers: [kafka.brokers],
    ...where,
    partitions: 1,
    nodeId: name,
  });
  const events: CoordinatorEvent[] = [];
  const driver: Driver<Services> = new Driver({
    log,
    clock: systemClock,
    random: systemRandom,
    ids: uuidIds,
    types: [order, held],
    receiver: services,
    options: { partitions: 1, doneRetention: 0, maxCmds: 10_000, ...options },
    onEvent: (event) => {
      if (event.type !== 'command.transition') events.push(event);
      onEvent(event, driver);
    },
  });
  let closing: Promise<void> | undefined;
  const owner: Owner = {
    log,
    driver,
    events,
    close: () => {
      closing ??= driver.close().finally(() => log.close());
      return closing;
    },
  };
  owners.push(owner);
  await driver.start();
  await waitFor(
    `${name} to own and replay partition 0`,
    () => log.owned.includes(0) && events.some((e) => e.type === 'recovery.done'),
    60_000,
  );
  return owner;
}

/** What replay must rebuild of a Command: everything but its timer and partition. */
function essence(view: CommandView | undefined) {
  if (!view) return undefined;
  const { nextRetryAt: _next, partition: _partition, ...rest } = view;
  return rest;
}

it('replays at most N records plus the parked Commands after a snapshot moved the checkpoint past them', async () => {
  const where = { topic: uniqueName('recovery'), groupId: uniqueName('recovery-group') };
  const services: Services = { approved: false, runs: new Map() };
  const first = await startOwner('owner-1', where, services, {
    snapshotAfterRecords,
    checkpointIntervalMs: 50,
    // The held Commands retry often, so the first owner keeps writing (and checkpointing) after
    // the load; their attempts grow meanwhile.
    slowRetryIntervalMs: 100,
    jitterMs: 20,
  });

  // The held Commands: reserved, then delayed at `approve`; wait for a retry or two.
  const heldIds = Array.from({ length: heldCount }, (_, i) => `held-${i}`);
  for (const [i, id] of heldIds.entries()) {
    await first.driver.submit({ type: 'held', id, payload: { n: i } });
  }
  await waitFor(
    'the held Commands to be delayed and retried',
    () =>
      heldIds.every((id) => {
        const view = first.driver.get(id);
        return view?.state === 'delayed' && view.attempts >= 2;
      }),
    30_000,
  );
  // Where their accepted records lie: they pin the checkpoint, so it cannot have passed them.
  const early = await waitFor('the records from the committed checkpoint', async () =>
    readAll(first.log, 0, await first.log.loadCheckpoint(0)).catch(() => undefined),
  );
  const acceptedAt = new Map(
    early.filter((r) => r.record.kind === 'accepted').map((r) => [r.record.id, r.position]),
  );
  expect([...acceptedAt.keys()].sort()).toEqual(heldIds);
  const lastAccepted = Math.max(...acceptedAt.values());

  // The load: far more than N records behind the held Commands.
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let n = next++; n < loadCount; n = next++) {
        const { id } = await first.driver.submit({ type: 'order', payload: { n } });
        const view = await first.driver.whenDone(id);
        expect(view.state).toBe('done');
        expect(view.error).toBeUndefined();
      }
    }),
  );
  const headAfterLoad = first.driver.status().partitions[0]?.end ?? 0;
  expect(headAfterLoad - lastAccepted).toBeGreaterThan(loadCount * 6);

  // The committed checkpoint moves past the held Commands' accepted records and the whole load:
  // from it on the log holds only the held Commands. The checkpoint is a snapshot (the oldest
  // needed record) and each held Command has one in the tail (records of it before its latest
  // snapshot are skipped by replay).
  const { checkpoint, tail } = await waitFor(
    'the committed checkpoint to pass the load, at the held Commands’ snapshots',
    async () => {
      const committed = await first.log.loadCheckpoint(0);
      if (committed < headAfterLoad) return undefined;
      // A commit in between may have dropped the records below a newer checkpoint: poll again.
      const records = await readAll(first.log, 0, committed).catch(() => undefined);
      return records && { checkpoint: committed, tail: records };
    },
    60_000,
  );
  expect(checkpoint).toBeGreaterThan(lastAccepted);
  expect(tail[0]).toMatchObject({ position: checkpoint, record: { kind: 'snapshot' } });
  expect(new Set(tail.map((r) => r.record.id))).toEqual(new Set(heldIds));
  for (const id of heldIds) {
    const carried = tail.filter((r) => r.record.id === id && r.record.kind === 'snapshot');
    expect(carried.length, `snapshots of ${id} from the checkpoint on`).toBeGreaterThan(0);
  }

  // Only the held Commands write now, and they are carried forward again and again. Leave when
  // the head is close to N records past the committed checkpoint, the most a new owner should
  // ever have to replay, rather than just after a carry.
  const committed = () =>
    first.events.findLast((e) => e.type === 'checkpoint.committed')?.position ?? 0;
  const commitsBefore = first.events.filter((e) => e.type === 'checkpoint.committed').length;
  await waitFor(
    `the head to run ${snapshotAfterRecords - 10} records past the committed checkpoint again`,
    () =>
      first.events.filter((e) => e.type === 'checkpoint.committed').length > commitsBefore &&
      (first.driver.status().partitions[0]?.end ?? 0) - committed() >= snapshotAfterRecords - 10,
    60_000,
  );
  const commits = first.events.filter((e) => e.type === 'checkpoint.committed').length;

  // The first owner leaves: its held Commands stay delayed in the log.
  await first.driver.close();
  const before = new Map(heldIds.map((id) => [id, first.driver.get(id)]));
  const head = first.driver.status().partitions[0]?.end ?? 0;
  const finalCheckpoint = await first.log.loadCheckpoint(0);
  await first.close();
  expect(finalCheckpoint).toBeGreaterThanOrEqual(checkpoint);
  for (const id of heldIds) {
    expect(before.get(id)).toMatchObject({ state: 'delayed', step: 'approve' });
    expect(before.get(id)?.attempts).toBeGreaterThanOrEqual(2);
  }

  // A fresh owner in the same group: what it replayed, and what it rebuilt, seen at recovery.done.
  let recovered: Extract<CoordinatorEvent, { type: 'recovery.done' }> | undefined;
  const rebuilt = new Map<string, CommandView | undefined>();
  const second = await startOwner(
    'owner-2',
    where,
    services,
    { snapshotAfterRecords, checkpointIntervalMs: 50, slowRetryIntervalMs: 300, jitterMs: 0 },
    (event, driver) => {
      if (event.type !== 'recovery.done') return;
      recovered = event;
      for (const id of heldIds) rebuilt.set(id, driver.get(id));
    },
  );
  expect(recovered).toMatchObject({
    partition: 0,
    checkpoint: finalCheckpoint,
    resumed: heldCount,
  });
  const replayed = recovered?.records ?? Number.NaN;
  console.log(
    `kafka-recovery: N=${snapshotAfterRecords}, ${heldCount} held + ${loadCount} other Commands; ${head} offsets written, checkpoint ${lastAccepted} -> ${finalCheckpoint} in ${commits} commits; the fresh owner replayed ${replayed} records (bound ${snapshotAfterRecords + heldCount + slack})`,
  );
  // Exactly the records from the committed checkpoint to the head (one owner: no CLAIM between).
  expect(replayed).toBe(head - finalCheckpoint);
  expect(replayed).toBeGreaterThanOrEqual(heldCount);
  expect(replayed).toBeLessThanOrEqual(snapshotAfterRecords + heldCount + slack);
  for (const id of heldIds) {
    expect(essence(rebuilt.get(id)), `${id} as rebuilt`).toEqual(essence(before.get(id)));
  }

  // Approved now: each held Command resumes on the fresh owner, runs only what it had not
  // recorded, and completes.
  services.approved = true;
  const approvesBefore = new Map(heldIds.map((id) => [id, services.runs.get(`${id}:approve`)]));
  const finished = await Promise.all(heldIds.map((id) => second.driver.whenDone(id)));
  for (const [i, id] of heldIds.entries()) {
    const done = finished[i] as CommandView;
    const attempts = before.get(id)?.attempts ?? 0;
    expect(done).toMatchObject({ state: 'done', attempts: attempts + 1 });
    expect(done.error).toBeUndefined();
    expect(done.outcomes.map((o) => o.step)).toEqual(['reserve', 'approve', 'ship']);
    expect(done.outcomes[0]).toEqual(before.get(id)?.outcomes[0]);
    expect(done.outcomes[1]?.outcome).toEqual({ approvedOnAttempt: attempts + 1 });
    expect(services.runs.get(`${id}:reserve`), `reserve runs of ${id}`).toBe(1);
    expect(services.runs.get(`${id}:approve`)).toBe((approvesBefore.get(id) ?? 0) + 1);
    expect(services.runs.get(`${id}:ship`)).toBe(1);
  }
});
