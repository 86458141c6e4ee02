/**
 * The testing kit proves the repository's own Command types (the example's order saga has a test
 * of its own, beside it): the declared sagas and code bodies the core's, the node's and the
 * benches' tests run, and the saga `coordinator init` writes. Each over in-memory fakes, through
 * every path of its machine and a hundred fault schedules with crashes. (The bench's `parked`
 * saga, delayed forever by design, is left out: it never ends.)
 */
import type { CommandType } from '@coordinator/core';
import { checkEveryPath, checkRetrySemantics } from '@coordinator/testing';
import { describe, it } from 'vitest';
import startupConfig from '../bench/fixtures/startup.config.js';
import {
  ScriptedServices,
  orderSaga as scriptedSaga,
  transfer,
} from '../packages/core/test-support/scripted.js';
import { orderSaga as scaffoldSaga } from '../packages/node/templates/init/src/order.js';
import faultyConfig from './support/faulty-step.config.js';
import { defineNoOpOrderSaga } from './support/no-op-order-saga.js';

/** A gateway whose every call answers its key's first answer: `post` and `call` alike. */
function gateway() {
  const answers = new Map<string, unknown>();
  const answer = async (step: { idempotencyKey: string }, ...request: unknown[]) => {
    if (!answers.has(step.idempotencyKey)) answers.set(step.idempotencyKey, { ok: true, request });
    return answers.get(step.idempotencyKey);
  };
  return { post: answer, call: answer };
}

const gateways = () => ({ inventory: gateway(), payments: gateway() });

type Case = [
  name: string,
  commandType: CommandType<never>,
  receiver: () => unknown,
  payload: unknown,
];

const cases: Case[] = [
  [
    'the core tests’ order saga',
    scriptedSaga as never,
    () => new ScriptedServices(),
    { sku: 'A1' },
  ],
  [
    'the core tests’ transfer (a code body)',
    transfer as never,
    () => new ScriptedServices(),
    { amount: 5 },
  ],
  [
    'the no-op order saga of the node tests and benches',
    defineNoOpOrderSaga() as never,
    () => undefined,
    {},
  ],
  ...faultyConfig.commands.map(
    (t): Case => [`the hardening test’s ${t.type}`, t as never, gateways, { sku: 'A1', amount: 1 }],
  ),
  ['the start-up bench’s saga', startupConfig.commands[0] as never, () => ({}), {}],
  [
    'the saga coordinator init writes',
    scaffoldSaga as never,
    gateways,
    { sku: 'A-1', qty: 2, amount: 40 },
  ],
];

describe.each(cases)('%s', (_name, commandType, receiver, payload) => {
  it('survives every path of its machine', async () => {
    await checkEveryPath(commandType, { receiver: receiver as () => never, payload });
  });

  it('survives fault schedules with crashes', async () => {
    await checkRetrySemantics(commandType, {
      receiver: receiver as () => never,
      payload,
      numRuns: 100,
    });
  });
});
