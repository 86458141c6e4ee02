import type { ArchivedOutcome } from '@coordinator/core';

/**
 * Outcome `n` of payments as `GET /v1/outcomes` lists it: order `n`'s charge, cursor `n` padded to
 * sort as it counts, recorded at `n` ms; `fields` replace any of that.
 */
export function archivedOutcome(n: number, fields: Partial<ArchivedOutcome> = {}): ArchivedOutcome {
  return {
    cursor: String(n).padStart(6, '0'),
    commandId: `order-${n}`,
    type: 'order',
    step: 'charge',
    service: 'payments',
    idempotencyKey: `order-${n}:charge`,
    at: n,
    outcome: { service: 'payments', payment: `P-${n}`, amount: 40, key: `order-${n}:charge` },
    compensation: false,
    ...fields,
  };
}
