import {
  type CommandType,
  type CoordinatorOptions,
  Driver,
  type EventLog,
  type IdSource,
  type Random,
} from '@coordinator/core';
import type { SimulatedClock } from '@coordinator/core/testing';
import { CrashableLog, type CrashPoints } from './crashable-log.js';
import { type ExecutionScope, executionScope, type Incarnation } from './execution-scope.js';
import { IncarnationClock } from './incarnation-clock.js';
import type { RunRecorder } from './run-recorder.js';

/** One incarnation of a simulated node and what it runs on. */
export interface Life {
  readonly incarnation: Incarnation;
  readonly scope: ExecutionScope;
  readonly clock: IncarnationClock;
  readonly driver: Driver<unknown>;
}

/** What every incarnation of one simulated node shares: what outlives its crashes. */
export interface NodeParts {
  readonly clock: SimulatedClock;
  readonly recorder: RunRecorder;
  readonly crashes: CrashPoints;
  readonly random: Random;
  readonly ids: IdSource;
  readonly types: readonly CommandType<unknown>[];
  readonly receiver: unknown;
  readonly options: CoordinatorOptions;
  /** The node dies (at a crash point). */
  readonly die: (incarnation: Incarnation) => void;
}

/**
 * Starts incarnation `number` of a node on `storage`: a real Driver on a log that crashes at the
 * node's crash points and a clock whose timers die with it. Resolves once it recovered from the
 * log; `started` sees it before it starts recovering.
 */
export async function bootIncarnation(
  number: number,
  storage: EventLog,
  parts: NodeParts,
  started: (life: Life) => void,
): Promise<void> {
  const { recorder, crashes } = parts;
  const incarnation: Incarnation = { number, recorder, dead: false };
  const scope: ExecutionScope = { incarnation };
  const clock = new IncarnationClock(parts.clock, scope);
  const log = new CrashableLog(
    storage,
    {
      room: () => crashes.room(),
      wrote: (count) => crashes.wrote(count),
      crash: (dead) => {
        crashes.reached();
        parts.die(dead);
      },
    },
    incarnation,
  );
  let resumed = 0;
  const driver = new Driver<unknown>({
    log,
    clock,
    random: parts.random,
    ids: parts.ids,
    types: parts.types,
    receiver: parts.receiver,
    options: parts.options,
    onEvent: (event) => {
      if (event.type === 'recovery.done') resumed += event.resumed;
      recorder.event(incarnation, event);
    },
  });
  started({ incarnation, scope, clock, driver });
  await executionScope.run(scope, () => driver.start());
  if (number > 1) recorder.restarted(incarnation, resumed);
}
