import type { OutcomeRecord } from '@coordinator/core';

/** A small Outcome record whose Command id is `id`. */
export function outcomeRecord(id: string, outcome: unknown = `done-${id}`): OutcomeRecord {
  return { v: 1, kind: 'outcome', id, at: 0, step: 'step', service: 'service', outcome };
}
