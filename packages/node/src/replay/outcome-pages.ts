import { call, type Target } from '../cli/client-commands.js';

/** One Outcome as `GET /v1/outcomes` lists it, and as a replay sends it. */
export interface ReplayedOutcome {
  /** Opaque, increasing in log order per service: `after` of the next page. */
  readonly cursor: string;
  readonly commandId: string;
  readonly type: string;
  readonly step: string;
  readonly service: string;
  readonly idempotencyKey: string;
  /** When it was recorded (ms since the epoch). */
  readonly at: number;
  readonly outcome: unknown;
  /** Whether it is the Outcome of a compensation. */
  readonly compensation: boolean;
}

/** How far back a service's Outcomes are kept. */
export interface OutcomeRetention {
  /** True when every Outcome ever recorded for the service is still kept. */
  readonly complete: boolean;
  readonly oldest: { readonly cursor: string; readonly at: number } | null;
}

interface OutcomePage {
  readonly items: readonly ReplayedOutcome[];
  readonly next: string | null;
  readonly retention: OutcomeRetention;
}

/**
 * Every Outcome a node keeps for `service` after the cursor `after` (from the oldest without),
 * page by page, in log order, up to those recorded by the time the last page is read.
 * `onRetention` is told the first page's retention.
 */
export async function* outcomePages(
  node: Target,
  service: string,
  after: string | undefined,
  {
    limit = 500,
    onRetention,
  }: { limit?: number; onRetention?: (r: OutcomeRetention) => void } = {},
): AsyncGenerator<ReplayedOutcome> {
  let cursor = after;
  let first = true;
  for (;;) {
    const query = new URLSearchParams({ service, limit: String(limit) });
    if (cursor !== undefined) query.set('after', cursor);
    const page = (await call(node, `/v1/outcomes?${query}`)) as OutcomePage;
    if (first) onRetention?.(page.retention);
    first = false;
    yield* page.items;
    if (page.next === null || page.items.length === 0) return;
    cursor = page.next;
  }
}
