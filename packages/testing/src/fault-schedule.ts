import fc from 'fast-check';
import { type OperatorOptions, operatorActions, type ScheduledAction } from './operator-action.js';

/**
 * What the kit does at one service call:
 * - `ok`: the call goes through;
 * - `delayed`: the service is unavailable, the call is not sent (CmdDelayed);
 * - `blocked`: the service's circuit is open, the call is not sent (CmdBlocked);
 * - `terminal`: the service refuses for good (a terminal `STEP_FAILED`);
 * - `timeout-after-effect`: the call goes through and the service does the work, but its answer is
 *   lost (CmdDelayed): the step runs again with the same idempotency key.
 */
export const faultKinds = ['ok', 'delayed', 'blocked', 'terminal', 'timeout-after-effect'] as const;
export type FaultKind = (typeof faultKinds)[number];

/** The faults that never end a Command by themselves: with only these, the result must not change. */
export const transientFaults: readonly FaultKind[] = ['delayed', 'blocked', 'timeout-after-effect'];

/** One Command a schedule submits: its id, payload and when (virtual ms from the start). */
export interface ScheduledCommand {
  readonly id: string;
  readonly payload: unknown;
  readonly at: number;
}

/** Everything one run is made of; the same schedule always gives the same run. */
export interface FaultSchedule {
  readonly commands: readonly ScheduledCommand[];
  /** The fault of each service call, in call order across all Commands; past the end: `ok`. */
  readonly faults: readonly FaultKind[];
  /** The node crashes once the log holds this many records (ascending), and restarts from it. */
  readonly crashes: readonly number[];
  /** Seeds the node's random source (retry jitter). */
  readonly seed: number;
  /** An operator's cancels and retries now, at times or during service calls. @default none */
  readonly operator?: readonly ScheduledAction[];
}

export interface FaultsOptions {
  /** The kinds to draw from (`ok` is always among them). @default every kind */
  readonly kinds?: readonly FaultKind[];
  /** @default 12 */
  readonly maxLength?: number;
}

/** The faults of the service calls, in call order: mostly `ok`, shrinking towards fewer and `ok`. */
export function faults({
  kinds = faultKinds,
  maxLength = 12,
}: FaultsOptions = {}): fc.Arbitrary<FaultKind[]> {
  const faulty = kinds.filter((k) => k !== 'ok');
  const kind =
    faulty.length === 0
      ? fc.constant<FaultKind>('ok')
      : fc.oneof(
          { arbitrary: fc.constant<FaultKind>('ok'), weight: 2 },
          { arbitrary: fc.constantFrom(...faulty), weight: 1 },
        );
  return fc.array(kind, { maxLength });
}

export interface CrashPointsOptions {
  /** Most crashes in one run. @default 2 */
  readonly max?: number;
  /** Highest record count a crash may follow. @default 40 */
  readonly maxRecords?: number;
}

/** Record counts after which the node crashes, ascending and distinct; shrinks towards none. */
export function crashPoints({
  max = 2,
  maxRecords = 40,
}: CrashPointsOptions = {}): fc.Arbitrary<number[]> {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: maxRecords }), { maxLength: max })
    .map((points) => points.sort((a, b) => a - b));
}

export interface FaultScheduleOptions extends FaultsOptions {
  /** The payload of each Command: a value, or an arbitrary to draw each one from. */
  readonly payload: unknown;
  /** How many Commands, submitted at times spread over `spreadMs`. @default { min: 1, max: 3 } */
  readonly commands?: { readonly min?: number; readonly max?: number };
  /** Submission times lie in [0, spreadMs]. @default 2000 */
  readonly spreadMs?: number;
  /** Crash points; `false` for none. @default crashPoints() */
  readonly crashes?: CrashPointsOptions | false;
  /** An operator's actions on the Commands; `false` for none. @default up to 2, cancel or retry now */
  readonly operator?: OperatorOptions | false;
}

function isArbitrary(value: unknown): value is fc.Arbitrary<unknown> {
  return value instanceof fc.Arbitrary;
}

/**
 * A whole schedule: Commands (ids `cmd-1`...) with payloads and submission times, the fault of
 * each service call, crash points, the jitter seed, and an operator's cancels and retries now (at
 * any time, or racing a step during one of its calls). Compose it in your own properties.
 *
 * @example
 * test.prop([faultSchedule({ payload: { sku: 'A-1', qty: 2, amount: 40 } })])('orders', async (schedule) => {
 *   await checkRun(await runSchedule(orderSaga, schedule, { receiver: fakeServices }));
 * });
 */
export function faultSchedule(options: FaultScheduleOptions): fc.Arbitrary<FaultSchedule> {
  const { min = 1, max = 3 } = options.commands ?? {};
  const payload = isArbitrary(options.payload) ? options.payload : fc.constant(options.payload);
  const spreadMs = options.spreadMs ?? 2000;
  const command = fc.record({ payload, at: fc.nat({ max: spreadMs }) });
  const calls = 8;
  return fc
    .record({
      commands: fc.array(command, { minLength: min, maxLength: max }),
      faults: faults(options),
      crashes: options.crashes === false ? fc.constant([]) : crashPoints(options.crashes),
      seed: fc.nat(),
      operator:
        options.operator === false
          ? fc.constant<ScheduledAction[]>([])
          : operatorActions(options.operator ?? {}, max, spreadMs, calls),
    })
    .map(({ commands, operator, ...rest }) => ({
      ...rest,
      commands: commands.map((c, i) => ({ id: `cmd-${i + 1}`, payload: c.payload, at: c.at })),
      // An action on a Command the schedule does not have acts on one it has.
      ...(operator.length > 0
        ? { operator: operator.map((a) => ({ ...a, id: ownId(a.id, commands.length) })) }
        : {}),
    }));
}

function ownId(id: string, commands: number): string {
  return `cmd-${((Number(id.slice('cmd-'.length)) - 1) % Math.max(1, commands)) + 1}`;
}
