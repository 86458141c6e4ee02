import type { CommandType } from '../src/command-type.js';
import { Driver } from '../src/driver.js';
import type { CoordinatorOptions } from '../src/driver-options.js';
import type { CoordinatorEvent } from '../src/events.js';
import {
  MemoryEventLog,
  SeededRandom,
  SequentialIds,
  SimulatedClock,
} from '../src/testing/index.js';
import { orderSaga, ScriptedServices } from './scripted.js';

export interface Harness {
  readonly driver: Driver<ScriptedServices>;
  readonly log: MemoryEventLog;
  readonly clock: SimulatedClock;
  readonly services: ScriptedServices;
  readonly events: CoordinatorEvent[];
}

/** A driver on the in-memory ports and virtual time, started (every partition recovered). */
export async function harness(
  options: Partial<CoordinatorOptions> = {},
  {
    log = new MemoryEventLog(),
    services = new ScriptedServices(),
    types = [orderSaga] as readonly CommandType<ScriptedServices>[],
    clock = new SimulatedClock(1_000_000),
    seed = 7,
    onEvent = (_event: CoordinatorEvent, _driver: Driver<ScriptedServices>) => {},
  } = {},
): Promise<Harness> {
  const events: CoordinatorEvent[] = [];
  let built = false;
  const driver = new Driver<ScriptedServices>({
    log,
    clock,
    random: new SeededRandom(seed),
    ids: new SequentialIds(),
    types,
    receiver: services,
    options: { partitions: 4, slowRetryIntervalMs: 1000, jitterMs: 100, ...options },
    onEvent: (e) => {
      events.push(e);
      if (built) onEvent(e, driver);
    },
  });
  await driver.start();
  built = true;
  return { driver, log, clock, services, events };
}
