/**
 * The invariants the kit checks on every run (docs/testing.md says what each means); `invariant`
 * is the one a test adds with its own hook.
 */
export const invariantNames = [
  'ends-done',
  'no-rerun-after-outcome',
  'same-key',
  'calls-in-steps',
  'compensation',
  'cancel',
  'retry-now',
  'retry-timing',
  'admission',
  'transient-result',
  'same-answer',
  'follows-path',
  'invariant',
] as const;
export type InvariantName = (typeof invariantNames)[number];

/** One broken invariant, naming the culprit (Command, step, service call) and when. */
export interface Violation {
  readonly invariant: InvariantName;
  readonly message: string;
  readonly commandId?: string;
  readonly step?: string;
  /** Virtual time, when the violation is tied to a moment. */
  readonly at?: number;
}
