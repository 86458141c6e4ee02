/**
 * The PeerRouter against three real peers (stream servers on loopback, each in front of an
 * in-memory handler that owns the partition or refuses `NOT_OWNER`): it learns which peer owns a
 * partition from the one that accepted, sends there first, learns again when ownership moves, and
 * relays the owner's final result from the forward's own exchange.
 */
import { CoordinatorError } from '@coordinator/core';
import { StreamServer } from '@coordinator/transport';
import { MemoryCommandHandler } from '@coordinator/transport/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { type PeerRequest, PeerRouter } from './peer-router.js';

const notOwner = () => new CoordinatorError('NOT_OWNER', 'not mine');

const opened: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((o) => o.close()));
});

/** Three peers, of which `owner` owns the partition; a router to them counting its requests. */
async function peers(owner: number) {
  const handlers = [0, 1, 2].map(() => new MemoryCommandHandler());
  const addresses = [];
  for (const handler of handlers) {
    const server = new StreamServer(handler, { host: '127.0.0.1', port: 0 });
    opened.push(server);
    addresses.push(await server.listen());
  }
  const requests: PeerRequest[] = [];
  const router = new PeerRouter(addresses, {}, (request) => requests.push(request));
  opened.push(router);
  const own = (index: number) => {
    handlers.forEach((handler, i) => {
      handler.refusal = i === index ? undefined : notOwner();
    });
  };
  own(owner);
  /** Forwards one Command of partition 5; resolves with the requests it took. */
  const forward = async (id: string) => {
    const before = requests.length;
    await router.submit({ type: 'order', payload: { id }, id }, 5);
    return requests.slice(before);
  };
  return { handlers, router, own, forward, requests };
}

describe('PeerRouter', () => {
  it('sends a partition to the peer that last accepted it, and learns again after a move', async () => {
    const { own, forward, handlers } = await peers(2);
    // Unknown yet: the peers are tried in turn until the owner accepts.
    expect((await forward('c1')).length).toBe(3);
    // Known: one exchange, to the owner.
    expect(await forward('c2')).toEqual(['submit']);
    expect(await forward('c3')).toEqual(['submit']);
    expect(handlers[2]?.submissions.map((s) => s.id)).toEqual(['c1', 'c2', 'c3']);

    // The partition moves: the old owner refuses, the others are tried, the new one is learnt.
    own(1);
    expect((await forward('c4')).length).toBeGreaterThanOrEqual(2);
    expect(await forward('c5')).toEqual(['submit']);
    expect(handlers[1]?.submissions.map((s) => s.id)).toContain('c5');
  });

  it("relays the owner's final result from the forward's own exchange, without a lookup", async () => {
    const { forward, router, requests } = await peers(0);
    await forward('c1');
    const result = await router.result('c1', AbortSignal.timeout(5000));
    expect(result).toMatchObject({ id: 'c1', state: 'done', result: { id: 'c1' } });
    expect(requests).toEqual(['submit']);
  });

  it('refuses with NOT_OWNER naming every peer when none owns the partition', async () => {
    const { own, forward } = await peers(0);
    own(-1);
    await expect(forward('c1')).rejects.toMatchObject({
      code: 'NOT_OWNER',
      message: expect.stringContaining('not mine'),
    });
  });
});
