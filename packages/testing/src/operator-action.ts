import fc from 'fast-check';

/**
 * What an operator may do to a running Command (the inspector's buttons, `coordinator cancel`,
 * `coordinator retry`): `cancel` (it ends at its next step boundary; a saga compensates first) or
 * `retry-now` (a delayed or blocked Command runs its next attempt at once).
 */
export const operatorActionKinds = ['cancel', 'retry-now'] as const;
export type OperatorActionKind = (typeof operatorActionKinds)[number];

/**
 * One operator action a schedule makes, on one of its Commands: at a virtual time (nothing runs
 * then: the Command waits, is done, or is not submitted yet), or while the Command's own service
 * call #`call` (from 0) is in flight (racing the step that made it: the call goes on once the
 * action is answered). `twice` repeats it right after its answer, as a client that did not see
 * the answer does.
 */
export interface ScheduledAction extends OperatorRequest {
  readonly at?: number;
  readonly call?: number;
}

/** One operator action on one Command; `twice`: repeated right after its answer. */
export interface OperatorRequest {
  readonly action: OperatorActionKind;
  readonly id: string;
  readonly twice?: boolean;
}

export interface OperatorOptions {
  /** The actions to draw from. @default both */
  readonly kinds?: readonly OperatorActionKind[];
  /** Most actions in one schedule. @default 2 */
  readonly max?: number;
}

/**
 * Operator actions on Commands `cmd-1`... `cmd-<commands>` (a schedule with fewer Commands maps
 * the ids onto its own): at times in [0, 2 × spreadMs] or during one of the Command's first
 * `calls` service calls, some repeated; shrinks towards none.
 */
export function operatorActions(
  { kinds = operatorActionKinds, max = 2 }: OperatorOptions,
  commands: number,
  spreadMs: number,
  calls: number,
): fc.Arbitrary<ScheduledAction[]> {
  const when = fc.oneof(
    fc.record({ at: fc.nat({ max: 2 * spreadMs }) }),
    fc.record({ call: fc.nat({ max: Math.max(0, calls - 1) }) }),
  );
  const action = fc
    .record({
      action: fc.constantFrom(...kinds),
      command: fc.nat({ max: Math.max(0, commands - 1) }),
      when,
      twice: fc.boolean(),
    })
    .map(
      ({ action, command, when, twice }): ScheduledAction => ({
        action,
        id: `cmd-${command + 1}`,
        ...when,
        ...(twice ? { twice } : {}),
      }),
    );
  return kinds.length === 0 ? fc.constant([]) : fc.array(action, { maxLength: max });
}

/** An action as a person reads it: `cancel cmd-1 during its call #2 (twice)`. */
export function describeAction(a: ScheduledAction): string {
  const when = a.call === undefined ? `at ${a.at ?? 0} ms` : `during its call #${a.call}`;
  return `${a.action} ${a.id} ${when}${a.twice ? ' (twice)' : ''}`;
}
