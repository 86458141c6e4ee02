import { CoordinatorError, defineSaga } from '@coordinator/core';
import { describe, expect, it } from 'vitest';
import { order, orderSaga, shop } from '../test-support/shop.js';
import { checkRun, SimulatedNode } from './index.js';

describe('SimulatedNode', () => {
  it('runs a Command on virtual time: a delayed step retries after the slow interval ± jitter', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['ok', 'delayed'],
    });
    await node.submit({ id: 'o-1', payload: order });
    expect(node.get('o-1')).toMatchObject({ state: 'delayed', step: 'charge' });
    await node.advance(800);
    expect(node.get('o-1')?.state).toBe('delayed');
    await node.advance(400);
    expect(node.get('o-1')).toMatchObject({ state: 'done', attempts: 2 });
    expect(node.clock.now()).toBe(1200);
    await checkRun(node.run());
  });

  it('crashes once the log holds N records: the dead node calls nothing more, the next one recovers from the log', async () => {
    const receiver = shop();
    // accepted, started, outcome reserve: the node dies right after the Outcome is durable.
    const node = await SimulatedNode.start({ types: [orderSaga], receiver, crashes: [3] });
    node.send({ id: 'o-1', payload: order });
    await node.settle();
    const run = node.run();
    expect(node.incarnation).toBe(2);
    expect(run.entries.map((e) => e.kind)).toContain('crash');
    expect(run.attempts.map((a) => `${a.step}@${a.incarnation}`)).toEqual([
      'reserve@1',
      'charge@2',
      'ship@2',
    ]);
    // Recovered Commands resume after the slow interval (1000 ± 100 ms).
    const charge = run.attempts.find((a) => a.step === 'charge');
    expect(charge?.at).toBeGreaterThanOrEqual(900);
    expect(charge?.at).toBeLessThanOrEqual(1100);
    expect(receiver.inventory.total('/reserve')).toBe(2);
    expect(node.get('o-1')?.state).toBe('done');
    await checkRun(run);
  });

  it('checks a Command the restarted node no longer keeps by its done record', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      options: { doneRetention: 0, checkpointIntervalMs: 1 },
    });
    node.send({ id: 'o-1', payload: order });
    await node.settle();
    await node.crash();
    expect(node.incarnation).toBe(2);
    expect(node.get('o-1')).toBeUndefined();
    await checkRun(node.run());
  });

  it('refuses new Commands while suspended; a client resubmits until admitted', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['blocked'],
    });
    node.send({ id: 'o-1', payload: order });
    node.send({ id: 'o-2', payload: order }, 10);
    await node.settle();
    const answers = node
      .run()
      .entries.flatMap((e) => (e.kind === 'submit' ? [`${e.id} ${e.answer}`] : []));
    expect(answers.slice(0, 2)).toEqual(['o-1 accepted', 'o-2 SUSPENDED']);
    expect(answers.at(-1)).toBe('o-2 accepted');
    await checkRun(node.run());
  });

  it('takes faults from a function of the call', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: (site) => (site.target === 'shipping.post' ? 'terminal' : 'ok'),
    });
    node.send({ id: 'o-1', payload: order });
    await node.settle();
    expect(node.get('o-1')?.error?.code).toBe('STEP_FAILED');
    expect(node.run().calls.map((c) => `${c.target} ${c.fault}`)).toEqual([
      'inventory.post ok',
      'payments.post ok',
      'shipping.post terminal',
      'payments.post ok',
      'inventory.post ok',
    ]);
  });

  it('does not fail a terminal fault on a key its service already acted on (an idempotent service would answer it)', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['timeout-after-effect', 'terminal'],
    });
    node.send({ id: 'o-1', payload: order });
    await node.settle();
    expect(
      node
        .run()
        .calls.slice(0, 2)
        .map((c) => c.fault),
    ).toEqual(['timeout-after-effect', 'ok']);
    expect(node.get('o-1')).toMatchObject({
      state: 'done',
      result: { reserve: expect.anything() },
    });
  });

  it('sees a receiver of class instances through a proxy: private fields, identity and plumbing intact', async () => {
    class Ledger {
      #balance = 100;
      readonly label = 'ledger';
      async debit(step: { idempotencyKey: string }, amount: number) {
        this.#balance -= amount;
        return { key: step.idempotencyKey, balance: this.#balance };
      }
    }
    const receiver = { ledger: new Ledger() };
    const seen: unknown[] = [];
    const pay = defineSaga<number, typeof receiver>({
      type: 'pay',
      steps: [
        {
          name: 'debit',
          service: 'ledger',
          run: (r, amount, step) => {
            const ledger = r.ledger;
            seen.push(ledger === r.ledger, String(ledger), ledger.label);
            return r.ledger.debit(step, amount);
          },
        },
      ],
    });
    const node = await SimulatedNode.start({ types: [pay], receiver });
    node.send({ id: 'p-1', payload: 30 });
    await node.settle();
    expect(seen).toEqual([true, '[object Object]', 'ledger']);
    expect(node.get('p-1')?.result).toEqual({ debit: { key: 'p-1:debit', balance: 70 } });
    expect(node.run().calls.map((c) => c.target)).toEqual(['ledger.debit']);
  });

  it('injects a step’s fault at its end when it calls nothing through the receiver', async () => {
    const pure = defineSaga<unknown, unknown>({
      type: 'pure',
      steps: [{ name: 'compute', service: 'self', run: async () => 42 }],
    });
    const node = await SimulatedNode.start({
      types: [pure],
      receiver: undefined,
      faults: ['delayed'],
    });
    node.send({ id: 'x-1', payload: {} });
    await node.settle();
    expect(node.run().calls.map((c) => `${c.target} ${c.fault}`)).toEqual([
      '(step) delayed',
      '(step) ok',
    ]);
    expect(node.get('x-1')).toMatchObject({ state: 'done', attempts: 2 });
  });

  it('refuses to guess the type of a submission when it runs several', async () => {
    const other = defineSaga<unknown, unknown>({
      type: 'other',
      steps: [{ name: 'a', service: 'a', run: async () => null }],
    });
    const node = await SimulatedNode.start({
      types: [orderSaga, other as never],
      receiver: shop(),
    });
    expect(() => node.send({ id: 'x', payload: order })).toThrow(CoordinatorError);
    await expect(node.submit({ id: 'x', payload: order })).rejects.toThrow(
      /give the submission a `type`/,
    );
  });

  it('retries a waiting Command now for its operator: that retry is exempt from the timing, the next is not', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['ok', 'delayed', 'blocked'],
    });
    await node.submit({ id: 'o-1', payload: order });
    await node.advance(10);
    expect(await node.retryNow('o-1')).toMatchObject({ state: 'executing' });
    expect(node.get('o-1')).toMatchObject({ state: 'blocked', attempts: 2 });
    await node.settle();
    const run = node.run();
    const retries = run.records.flatMap(({ record: r }) => (r.kind === 'retried' ? [r] : []));
    expect(retries.map((r) => [r.at, r.by])).toEqual([
      [10, 'operator'],
      [expect.any(Number), undefined],
    ]);
    expect((retries[1]?.at ?? 0) - 10).toBeGreaterThanOrEqual(900);
    expect(node.get('o-1')?.state).toBe('done');
    await checkRun(run);
  });

  it('cancels for its operator, at once or scheduled; answers and refusals are in the timeline', async () => {
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['ok', 'ok', 'delayed'],
      operator: [{ action: 'cancel', id: 'o-1', at: 500, twice: true }],
    });
    await node.submit({ id: 'o-1', payload: order });
    await node.settle();
    expect(node.get('o-1')).toMatchObject({ state: 'done', error: { code: 'CANCELLED' } });
    await expect(node.retryNow('o-1')).rejects.toMatchObject({ code: 'WRONG_STATE' });
    const run = node.run();
    expect(
      run.entries.flatMap((e) =>
        e.kind === 'operator' ? [`${e.at} ${e.action} ${e.answer}`] : [],
      ),
    ).toEqual([
      '500 cancel ok (executing)',
      '500 cancel ok (executing)', // again: nothing new (it is compensating)
      expect.stringMatching(/ retry-now WRONG_STATE$/),
    ]);
    expect(run.records.filter((r) => r.record.kind === 'cancelled')).toHaveLength(1);
    expect(run.attempts.map((a) => a.step)).toEqual([
      'reserve',
      'charge',
      'ship',
      'compensate:charge',
      'compensate:reserve',
    ]);
    await checkRun(run);
  });

  it('crashes on a cancel’s own record: the operator hears CLOSED, the next node carries the cancel out', async () => {
    // accepted, started, outcome reserve, delayed charge; the 5th record is the cancel's.
    const node = await SimulatedNode.start({
      types: [orderSaga],
      receiver: shop(),
      faults: ['ok', 'delayed'],
      crashes: [5],
    });
    await node.submit({ id: 'o-1', payload: order });
    await expect(node.cancel('o-1')).rejects.toMatchObject({ code: 'CLOSED' });
    expect(node.incarnation).toBe(2);
    expect(node.get('o-1')).toMatchObject({ state: 'delayed', cancelled: true });
    await node.settle();
    expect(node.get('o-1')).toMatchObject({ state: 'done', error: { code: 'CANCELLED' } });
    const run = node.run();
    expect(run.attempts.map((a) => `${a.step}@${a.incarnation}`)).toEqual([
      'reserve@1',
      'charge@1',
      'compensate:reserve@2',
    ]);
    await checkRun(run);
  });
});
