/** One archived Outcome, as `GET /v1/outcomes` lists it. */
export interface ArchivedOutcome {
  /** Opaque; increases in log order within the service. Pass it as `after` to read on. */
  readonly cursor: string;
  readonly commandId: string;
  /** The Command's type (empty for Outcomes recorded before the archive existed). */
  readonly type: string;
  readonly step: string;
  readonly service: string;
  /** `<commandId>:<step>`: the key the step passed to its service. */
  readonly idempotencyKey: string;
  /** When the Outcome was recorded, ms since the epoch. */
  readonly at: number;
  readonly outcome: unknown;
  /** True for a declared saga's compensation. */
  readonly compensation: boolean;
}

/** What retention left of a service's Outcomes. */
export interface OutcomeRetentionState {
  /** True when no Outcome of the service was ever dropped by retention. */
  readonly complete: boolean;
  /** The oldest Outcome still kept; null when none is. */
  readonly oldest: { readonly cursor: string; readonly at: number } | null;
}

/** One page of a service's Outcomes. */
export interface OutcomePage {
  readonly items: readonly ArchivedOutcome[];
  /** The `after` of the next page; null when nothing more is available now. */
  readonly next: string | null;
  readonly retention: OutcomeRetentionState;
}

export interface OutcomeQuery {
  readonly service: string;
  /** Items after this cursor; from the oldest kept when absent. */
  readonly after?: string;
  /** Only Outcomes recorded at or after this time (ms since the epoch). */
  readonly since?: number;
  readonly limit: number;
}

/** The default and the largest page of `GET /v1/outcomes`. */
export const defaultOutcomeLimit = 100;
export const maxOutcomeLimit = 1000;

/**
 * Reads the Outcomes kept for replay, one service at a time: the file log's outcome archive, the
 * Kafka log's outcomes topic.
 * @throws CoordinatorError `INVALID_CURSOR` for a cursor it did not make.
 */
export interface OutcomeReader {
  read(query: OutcomeQuery): Promise<OutcomePage>;
  /** The services with Outcomes kept (or dropped by retention). */
  services(): Promise<readonly string[]>;
}

/** `<commandId>:<step>`, as the runner gives it to the step. */
export function idempotencyKey(commandId: string, step: string): string {
  return `${commandId}:${step}`;
}
