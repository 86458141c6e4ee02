import {
  type LogRecord,
  type MachineState,
  type MachineStepper,
  machineEventOf,
} from '@coordinator/core';

/** How much of a machine some runs went through. */
export interface Coverage {
  readonly covered: number;
  readonly total: number;
  /** What no run went through (`delayed (retries charge)`, `executing.ship --FAILED--> ...`). */
  readonly missed: readonly string[];
}

function label(state: MachineState): string {
  return state.key === 'delayed' || state.key === 'blocked'
    ? `${state.key} (retries ${state.position})`
    : state.key;
}

/** The states and transitions of a Command machine that records of its Commands went through. */
export class MachineCoverage {
  readonly #stepper: MachineStepper;
  readonly #states = new Set<MachineState>();
  /** Per state, the events taken from it. */
  readonly #transitions = new Map<MachineState, Set<string>>();

  constructor(stepper: MachineStepper) {
    this.#stepper = stepper;
  }

  /** One Command's records, in order. */
  add(records: readonly LogRecord[]): void {
    let state = this.#stepper.initial;
    this.#states.add(state);
    for (const record of records) {
      const event = machineEventOf[record.kind];
      const next = event && state.next.get(event);
      if (!event || !next) continue;
      let taken = this.#transitions.get(state);
      if (!taken) {
        taken = new Set();
        this.#transitions.set(state, taken);
      }
      taken.add(event);
      this.#states.add(next);
      state = next;
    }
  }

  states(): Coverage {
    const all = this.#stepper.states();
    return {
      covered: this.#states.size,
      total: all.length,
      missed: all.filter((s) => !this.#states.has(s)).map(label),
    };
  }

  transitions(): Coverage {
    const all = this.#stepper
      .states()
      .flatMap((s) => [...s.next].map(([event, to]) => ({ s, event, to })));
    const missed = all.filter(({ s, event }) => !this.#transitions.get(s)?.has(event));
    return {
      covered: all.length - missed.length,
      total: all.length,
      missed: missed.map(({ s, event, to }) => `${label(s)} --${event}--> ${label(to)}`),
    };
  }
}
