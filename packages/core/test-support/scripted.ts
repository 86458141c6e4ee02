import { defineCommand, defineSaga, type StepInfo } from '../src/command-type.js';
import { CoordinatorError } from '../src/errors.js';
import { partitionOf, routingKeyOf } from '../src/partitioner.js';

/** What one step attempt does. */
export type Behaviour = 'ok' | 'delayed' | 'blocked' | 'fail';

export interface Call {
  readonly commandId: string;
  readonly step: string;
  readonly idempotencyKey: string;
  readonly behaviour: Behaviour;
}

/**
 * Services whose every call follows a script: per `<command id>:<step>`, a queue of behaviours;
 * past the end of the queue, `fallback`. Records every call.
 */
export class ScriptedServices {
  readonly calls: Call[] = [];
  readonly #scripts = new Map<string, Behaviour[]>();
  fallback: Behaviour = 'ok';

  script(commandId: string, step: string, behaviours: readonly Behaviour[]): void {
    this.#scripts.set(`${commandId}:${step}`, [...behaviours]);
  }

  /** One next behaviour function for every call, overriding scripts. */
  next: ((info: StepInfo) => Behaviour) | undefined;

  async call(info: StepInfo): Promise<string> {
    const behaviour =
      this.next?.(info) ??
      this.#scripts.get(`${info.commandId}:${info.step}`)?.shift() ??
      this.fallback;
    this.calls.push({
      commandId: info.commandId,
      step: info.step,
      idempotencyKey: info.idempotencyKey,
      behaviour,
    });
    switch (behaviour) {
      case 'ok':
        return `${info.step}@${info.commandId}`;
      case 'delayed':
        throw CoordinatorError.delayed(`${info.step} unavailable`);
      case 'blocked':
        throw CoordinatorError.blocked(`${info.step} circuit open`);
      case 'fail':
        throw new Error(`${info.step} refused`);
    }
  }

  /** The calls that succeeded, as `<command>:<step>` keys. */
  succeeded(): string[] {
    return this.calls.filter((c) => c.behaviour === 'ok').map((c) => c.idempotencyKey);
  }
}

export const sagaSteps = ['reserve', 'charge', 'ship'] as const;

/** reserve → charge → ship; reserve and charge compensate. */
export const orderSaga = defineSaga<{ sku: string }, ScriptedServices>({
  type: 'order',
  validate: (payload) => {
    if (
      typeof payload !== 'object' ||
      payload === null ||
      typeof (payload as { sku?: unknown }).sku !== 'string'
    ) {
      throw new Error('expected {sku: string}');
    }
    return payload as { sku: string };
  },
  steps: sagaSteps.map((name) => ({
    name,
    service: `${name}-service`,
    run: (services: ScriptedServices, _payload: { sku: string }, info: StepInfo) =>
      services.call(info),
    ...(name === 'ship'
      ? {}
      : {
          compensate: (services: ScriptedServices, _p: { sku: string }, info: StepInfo) =>
            services.call(info),
        }),
  })),
});

/** A code body: debit then credit on one ledger service. */
export const transfer = defineCommand<{ amount: number }, string, ScriptedServices>({
  type: 'transfer',
  services: ['ledger'],
  async exec(ctx, payload, services) {
    const debit = await ctx.step('ledger', 'debit', (info) => services.call(info));
    const credit = await ctx.step('ledger', 'credit', (info) => services.call(info));
    return `${debit}+${credit}:${payload.amount}`;
  },
});

/** The harness runs 4 partitions; the order saga's routing key decides which one it uses. */
export function orderPartition(partitions = 4): number {
  return partitionOf(routingKeyOf(orderSaga.services), partitions);
}
