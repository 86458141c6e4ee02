import type { CommandView } from '@coordinator/core';

/**
 * The contract's shape of one Command. `GET /v1/commands/{id}` (`full`) adds its payload,
 * partition, step, failures and timeline (`events`); a list item is the lean part.
 */
export function commandBody(details: CommandView, full: boolean): Record<string, unknown> {
  const done = details.state === 'done' && details.error === undefined;
  return {
    id: details.id,
    type: details.type,
    state: details.state,
    attempts: details.attempts,
    outcomes: details.outcomes.map(({ service, step, outcome }) => ({ service, step, outcome })),
    ...(done ? { result: details.result ?? null } : {}),
    ...(details.error
      ? { error: { code: details.error.code, message: details.error.message } }
      : {}),
    ...(details.lastError
      ? { lastError: { code: details.lastError.code, message: details.lastError.message } }
      : {}),
    ...(details.nextRetryAt === undefined ? {} : { nextRetryAt: details.nextRetryAt }),
    ...(details.cancelled ? { cancelled: true } : {}),
    acceptedAt: details.acceptedAt,
    updatedAt: details.updatedAt,
    ...(full
      ? {
          payload: details.payload,
          partition: details.partition,
          step: details.step,
          failures: details.failures,
          events: details.events,
        }
      : {}),
  };
}
