import { type ArchivedOutcome, maxOutcomeLimit, type OutcomePage } from '@coordinator/core';
import { call, type Target } from './node-client.js';

/** Which Outcomes to read: a service's, after a cursor, recorded since a time, at most so many. */
export interface OutcomeRange {
  readonly service: string;
  /** A `cursor` (or `next`) from an earlier read: start after it. */
  readonly after?: string | undefined;
  /** ms since the epoch, or an ISO date. */
  readonly since?: string | number | undefined;
  /** At most this many in all; @default all there are now */
  readonly limit?: number | undefined;
  /** Items per request. @default 1000 (the most a page holds) */
  readonly pageSize?: number | undefined;
}

/**
 * The pages of `GET /v1/outcomes` for `range`, each request continuing from the last item of the
 * one before, until the node has no more now (`next` is null) or `limit` items came. Errors are
 * the node's, coded (`UNKNOWN_SERVICE`, `INVALID_CURSOR`, `UNAUTHORIZED`, `CONNECTION_LOST`...).
 *
 * @example
 * for await (const page of outcomePages({ url, token }, { service: 'payments' })) save(page.items);
 */
export async function* outcomePages(
  target: Target,
  range: OutcomeRange,
): AsyncGenerator<OutcomePage> {
  let after = range.after;
  let left = range.limit ?? Number.POSITIVE_INFINITY;
  const pageSize = Math.min(range.pageSize ?? maxOutcomeLimit, maxOutcomeLimit);
  while (left > 0) {
    const query = new URLSearchParams({
      service: range.service,
      limit: String(Math.min(pageSize, left)),
    });
    if (after !== undefined) query.set('after', after);
    if (range.since !== undefined) query.set('since', String(range.since));
    const page = (await call(target, `/v1/outcomes?${query}`)) as OutcomePage;
    yield page;
    left -= page.items.length;
    if (page.next === null || page.items.length === 0) return;
    after = page.next;
  }
}

/**
 * Every Outcome of `range`, one at a time, in log order (see {@link outcomePages}); an item's
 * `cursor` is where to resume after it.
 */
export async function* readOutcomes(
  target: Target,
  range: OutcomeRange,
): AsyncGenerator<ArchivedOutcome> {
  for await (const page of outcomePages(target, range)) yield* page.items;
}
