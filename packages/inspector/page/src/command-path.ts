import type { CommandEvent } from '@coordinator/core';

/** A state key as the chart labels it: `executing.compensate:charge` → `compensate:charge`. */
export const stateName = (key: string): string => key.slice(key.lastIndexOf('.') + 1);

/** One timeline entry on the chart: the states before and after, and the transition it took. */
interface PathStep {
  readonly fromKey: string;
  readonly key: string;
  readonly transition?: string;
}

/** A Command's way through its machine, as its timeline names it. */
export interface CommandPath {
  readonly steps: readonly PathStep[];
  /** Every state it was in (leaf states, the compound ones around them, history it went through). */
  readonly states: ReadonlySet<string>;
  /** Every transition it took (a chart's `data-transition` ids). */
  readonly transitions: ReadonlySet<string>;
  /** Where it is now. */
  readonly current: string;
  /** False when an entry lacks its state (a timeline recorded before nodes kept them). */
  readonly complete: boolean;
}

/** `executing.charge` and the states around it: `executing`. */
const withParents = (key: string) =>
  key.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'));

/** The target of a transition id `source:EVENT:target` (state names may hold colons, events not). */
const targetOf = (transition: string) => transition.replace(/^.*?:[A-Z]+:/, '');

/**
 * A Command's path from its timeline: each entry says the machine state its record led to and the
 * transition it took (the node's own machine decided both), so the page draws what the node ran
 * rather than working it out again.
 */
export function commandPath(events: readonly CommandEvent[]): CommandPath {
  const states = new Set<string>();
  const transitions = new Set<string>();
  const steps: PathStep[] = [];
  let current = events[0]?.key ?? 'pending';
  let complete = true;
  for (const entry of events) {
    if (entry.key === undefined) {
      complete = false;
      steps.push({ fromKey: current, key: current });
      continue;
    }
    for (const key of withParents(entry.key)) states.add(key);
    if (entry.transition !== undefined) {
      transitions.add(entry.transition);
      // A retry enters through the history state: it is part of the way too.
      const target = targetOf(entry.transition);
      if (target.endsWith('.hist')) states.add(target);
    }
    steps.push({
      fromKey: current,
      key: entry.key,
      ...(entry.transition === undefined ? {} : { transition: entry.transition }),
    });
    current = entry.key;
  }
  return { steps, states, transitions, current, complete };
}
