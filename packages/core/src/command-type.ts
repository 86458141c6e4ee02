import type { AnyStateMachine } from 'xstate';
import { compensationState, createCommandMachine } from './command-machine.js';
import { CoordinatorError } from './errors.js';
import { MachineStepper } from './machine-stepper.js';
import { routingKeyOf } from './partitioner.js';

/** What a step's function is told: above all the idempotency key to pass to its service. */
export interface StepInfo {
  readonly commandId: string;
  readonly step: string;
  /** `<command id>:<step name>`: the same on every attempt, so services can deduplicate. */
  readonly idempotencyKey: string;
  /** Which execution of the Command this is: 1 on the first run, +1 on every retry. */
  readonly attempt: number;
}

/** Handed to a code body: `step` runs a step once, durably. */
export interface StepContext {
  readonly commandId: string;
  readonly attempt: number;
  /**
   * Returns the recorded Outcome of step `name` when there is one; otherwise runs `fn`, persists
   * its result as the step's Outcome and returns it. Throw `CoordinatorError.delayed()` or
   * `.blocked()` from `fn` when the service is unavailable; any other error ends the Command.
   */
  step<T>(service: string, name: string, fn: (info: StepInfo) => Promise<T> | T): Promise<T>;
}

interface TypeBase<P> {
  /** The Command type's name, as clients submit it. */
  readonly type: string;
  /** Parses and checks a payload; throw to refuse it (`INVALID_PAYLOAD`). A zod `parse` fits. */
  readonly validate?: (payload: unknown) => P;
  /**
   * The key that picks a Command's partition (and so, in a cluster, its node). Commands with one
   * key keep their order. @default the sorted set of services the type calls
   */
  readonly routingKey?: (payload: P) => string;
}

export interface CodeCommandDefinition<P, R, Rcv> extends TypeBase<P> {
  /** The services the body calls: the routing key that picks the partition. @default [type] */
  readonly services?: readonly string[];
  /** The body: ordinary code; deterministic between steps, since a retry runs it again. */
  readonly exec: (ctx: StepContext, payload: P, receiver: Rcv) => Promise<R>;
}

export interface SagaStepInfo extends StepInfo {
  /** The Outcomes of the steps completed so far, by step name. */
  readonly outcomes: Readonly<Record<string, unknown>>;
}

export interface SagaStep<P, Rcv> {
  readonly name: string;
  readonly service: string;
  readonly run: (receiver: Rcv, payload: P, info: SagaStepInfo) => Promise<unknown>;
  /** Undoes a completed `run`; runs durably, in reverse order, after a later step fails. */
  readonly compensate?: (
    receiver: Rcv,
    payload: P,
    info: SagaStepInfo & { readonly outcome: unknown },
  ) => Promise<unknown>;
}

export interface SagaDefinition<P, Rcv> extends TypeBase<P> {
  readonly steps: readonly SagaStep<P, Rcv>[];
  /** The Command's result from the Outcomes. @default the Outcomes by step name */
  readonly result?: (outcomes: Readonly<Record<string, unknown>>, payload: P) => unknown;
}

/** A registered Command type, made by {@link defineCommand} or {@link defineSaga}. */
export type CommandType<Rcv = unknown> = CodeCommandType<Rcv> | SagaCommandType<Rcv>;

interface CommandTypeBase {
  readonly type: string;
  readonly validate: (payload: unknown) => unknown;
  /** The services this type calls, sorted: its default routing key. */
  readonly services: readonly string[];
  /** A payload's routing key. */
  readonly routingKey: (payload: unknown) => string;
  /** The lifecycle machine with this type's body nested in `executing`. */
  readonly machine: AnyStateMachine;
  readonly stepper: MachineStepper;
}

export interface CodeCommandType<Rcv> extends CommandTypeBase {
  readonly kind: 'code';
  readonly exec: (ctx: StepContext, payload: unknown, receiver: Rcv) => Promise<unknown>;
}

export interface SagaCommandType<Rcv> extends CommandTypeBase {
  readonly kind: 'saga';
  readonly steps: readonly SagaStep<unknown, Rcv>[];
  /** Saga sub-state → the step it runs and whether it runs the compensation. */
  readonly actions: ReadonlyMap<string, { step: SagaStep<unknown, Rcv>; compensation: boolean }>;
  readonly result: (outcomes: Readonly<Record<string, unknown>>, payload: unknown) => unknown;
}

const namePattern = /^[A-Za-z][A-Za-z0-9_-]*$/;
const typePattern = /^[A-Za-z][A-Za-z0-9_.-]*$/;

function bad(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_DEFINITION', message);
}

function checkType(type: unknown): string {
  if (typeof type !== 'string' || !typePattern.test(type)) {
    throw bad(
      `Expected a Command \`type\` of letters, digits, '.', '_' or '-' starting with a letter, got ${JSON.stringify(type)}`,
    );
  }
  return type;
}

const identity = (payload: unknown) => payload;

function routingKeyFor<P>(
  definition: TypeBase<P>,
  services: readonly string[],
): (payload: unknown) => string {
  const custom = definition.routingKey as ((payload: unknown) => string) | undefined;
  if (custom) return custom;
  const key = routingKeyOf(services);
  return () => key;
}

/**
 * Defines a Command type whose body is code.
 *
 * @example
 * const transfer = defineCommand({
 *   type: 'transfer',
 *   services: ['ledger'],
 *   async exec(ctx, p: { from: string; to: string; amount: number }, ledger: Ledger) {
 *     await ctx.step('ledger', 'debit', ({ idempotencyKey }) => ledger.debit(p.from, p.amount, idempotencyKey));
 *     return ctx.step('ledger', 'credit', ({ idempotencyKey }) => ledger.credit(p.to, p.amount, idempotencyKey));
 *   },
 * });
 */
export function defineCommand<P, R, Rcv>(
  definition: CodeCommandDefinition<P, R, Rcv>,
): CodeCommandType<Rcv> {
  const type = checkType(definition.type);
  if (typeof definition.exec !== 'function') throw bad(`Command type ${type} has no \`exec\``);
  const machine = createCommandMachine(type);
  const services = [...(definition.services ?? [type])].sort();
  return {
    kind: 'code',
    type,
    validate: definition.validate ?? identity,
    services,
    routingKey: routingKeyFor(definition, services),
    machine,
    stepper: new MachineStepper(machine),
    exec: definition.exec as CodeCommandType<Rcv>['exec'],
  };
}

/**
 * Defines a declared saga: ordered steps, each with an optional compensation. On a terminal
 * failure the completed steps are compensated in reverse order, each compensation a durable step.
 */
export function defineSaga<P, Rcv>(definition: SagaDefinition<P, Rcv>): SagaCommandType<Rcv> {
  const type = checkType(definition.type);
  const steps = definition.steps as readonly SagaStep<unknown, Rcv>[];
  if (!Array.isArray(steps) || steps.length === 0) throw bad(`Saga ${type} has no steps`);
  const actions = new Map<string, { step: SagaStep<unknown, Rcv>; compensation: boolean }>();
  for (const step of steps) {
    if (typeof step.name !== 'string' || !namePattern.test(step.name)) {
      throw bad(
        `Saga ${type} has a step named ${JSON.stringify(step.name)}; use letters, digits, '_' or '-'`,
      );
    }
    if (actions.has(step.name)) throw bad(`Saga ${type} has two steps named ${step.name}`);
    if (['completed', 'compensated', 'hist'].includes(step.name)) {
      throw bad(`Saga ${type} cannot name a step ${step.name}: the name is reserved`);
    }
    if (typeof step.service !== 'string' || step.service.length === 0) {
      throw bad(`Step ${step.name} of saga ${type} names no service`);
    }
    actions.set(step.name, { step, compensation: false });
    if (step.compensate) actions.set(compensationState(step.name), { step, compensation: true });
  }
  const machine = createCommandMachine(type, {
    steps: steps.map((s) => ({ name: s.name, compensates: s.compensate !== undefined })),
  });
  const services = [...new Set(steps.map((s) => s.service))].sort();
  return {
    kind: 'saga',
    type,
    validate: definition.validate ?? identity,
    services,
    routingKey: routingKeyFor(definition, services),
    machine,
    stepper: new MachineStepper(machine),
    steps,
    actions,
    result: (definition.result as SagaCommandType<Rcv>['result']) ?? ((outcomes) => outcomes),
  };
}

/**
 * Command types by name.
 * @throws CoordinatorError `INVALID_DEFINITION` when two share a name.
 */
export function typesByName<T extends { readonly type: string }>(
  types: readonly T[],
): ReadonlyMap<string, T> {
  const byName = new Map<string, T>();
  for (const commandType of types) {
    if (byName.has(commandType.type)) {
      throw bad(`Command type ${commandType.type} is defined twice`);
    }
    byName.set(commandType.type, commandType);
  }
  return byName;
}
