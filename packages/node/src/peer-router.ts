import {
  type CommandFilter,
  type CommandView,
  CoordinatorError,
  type Submission,
  type SubmitResult,
  toErrorData,
} from '@coordinator/core';
import {
  type CommandCall,
  type CommandResult,
  type ListenAddress,
  StreamClient,
  type StreamClientOptions,
} from '@coordinator/transport';

/** How long a connected peer may take to make a forwarded Command durable. */
const answerTimeoutMs = 10_000;
/** How long a peer that is not connected gets to connect before the next one is tried. */
const connectTimeoutMs = 500;

/**
 * How long a forwarded Command's call stays known after its result came. The node that forwarded
 * asks for that result right after the forward resolves, and the owner's accepted and final
 * replies may be read together: forgetting the call at once answered that ask `UNKNOWN_COMMAND`.
 */
const resultGraceMs = 5_000;

/** Codes after which the next peer may own the partition. */
const tryNext = new Set(['NOT_OWNER', 'NOT_READY', 'CONNECTION_LOST', 'CLOSED']);

/** A request this node sends a peer: one stream exchange. */
export type PeerRequest = 'submit' | 'get' | 'act' | 'inspect' | 'list';

interface Peer {
  readonly address: string;
  readonly client: StreamClient;
}

/**
 * Forwards what this node does not own to the node that does. Every node of a cluster listens on
 * an internal stream address that serves its own partitions only (so forwards never loop); a
 * Command whose partition another node owns is submitted there, durably, and its final result
 * relayed to the client that asked this node, from the owner's own final reply on the same
 * exchange. Which peer owns a partition is learned from the forwards themselves: the peer that
 * accepted one of its Commands is sent the next one first, until it refuses (a rebalance moved
 * the partition) and the peers are tried again. Lookups by id fall back to the peers too.
 */
export class PeerRouter {
  readonly #peers: Peer[];
  readonly #calls = new Map<string, CommandCall>();
  /** The peer that last accepted a Command of each partition. */
  readonly #owners = new Map<number, Peer>();
  readonly #onRequest: (request: PeerRequest) => void;

  /**
   * `connection` is how every peer is reached: its token and TLS options, if the cluster has
   * them. `onRequest` counts each request sent to a peer.
   */
  constructor(
    peers: readonly ListenAddress[],
    connection: Pick<Partial<StreamClientOptions>, 'token' | 'tls'> = {},
    onRequest: (request: PeerRequest) => void = () => {},
  ) {
    this.#peers = peers.map((peer) => ({
      address: `${peer.host}:${peer.port}`,
      client: new StreamClient({ ...connection, host: peer.host, port: peer.port }),
    }));
    this.#onRequest = onRequest;
  }

  get size(): number {
    return this.#peers.length;
  }

  /**
   * Submits to the peer that owns the Command's partition (the known owner first, when
   * `partition` is given); resolves once it is durable there.
   * @throws CoordinatorError `NOT_OWNER` when no peer owns it now (a rebalance is under way).
   */
  async submit(submission: Submission & { id: string }, partition?: number): Promise<SubmitResult> {
    const refusals: string[] = [];
    const owner = partition === undefined ? undefined : this.#owners.get(partition);
    const order = this.#byReachability();
    if (owner) order.unshift(...order.splice(order.indexOf(owner), 1));
    for (const peer of order) {
      const { address, client } = peer;
      // A peer that is down must not hold the Command up: it gets a short while to connect.
      const signal = AbortSignal.timeout(client.connected ? answerTimeoutMs : connectTimeoutMs);
      this.#onRequest('submit');
      const call = client.submit(submission, { signal });
      try {
        const accepted = await call.accepted;
        if (partition !== undefined) this.#owners.set(partition, peer);
        this.#calls.set(submission.id, call);
        const forget = () => {
          setTimeout(() => {
            if (this.#calls.get(submission.id) === call) this.#calls.delete(submission.id);
          }, resultGraceMs).unref();
        };
        call.result.then(forget, forget);
        return {
          id: accepted.id,
          state: accepted.state,
          existing: accepted.existing === true,
        };
      } catch (error) {
        const { code, message } = toErrorData(error, 'INTERNAL');
        if (!tryNext.has(code) && !signal.aborted) throw error;
        if (partition !== undefined && this.#owners.get(partition) === peer) {
          this.#owners.delete(partition);
        }
        refusals.push(`${address}: ${signal.aborted ? 'no answer' : message}`);
      }
    }
    throw new CoordinatorError(
      'NOT_OWNER',
      `No node owns this Command's partition right now (${refusals.join('; ') || 'no peers'}); retry shortly`,
    );
  }

  /** Connected peers first: a peer that is down is tried last. */
  #byReachability(): Peer[] {
    return [...this.#peers].sort((a, b) => Number(b.client.connected) - Number(a.client.connected));
  }

  /** The Command as the peer that knows it shows it, or undefined. */
  async get(id: string): Promise<CommandView | undefined> {
    for (const { client } of this.#byReachability()) {
      const signal = AbortSignal.timeout(client.connected ? answerTimeoutMs : connectTimeoutMs);
      try {
        this.#onRequest('get');
        return await client.get(id, { signal });
      } catch (error) {
        const { code } = toErrorData(error, 'INTERNAL');
        if (code !== 'UNKNOWN_COMMAND' && !tryNext.has(code) && !signal.aborted) throw error;
      }
    }
    return undefined;
  }

  /**
   * An operator's action on a Command another node owns: the first peer that knows it acts.
   * @throws CoordinatorError `UNKNOWN_COMMAND` when no peer knows it, or the owner's refusal.
   */
  async act(action: 'retry' | 'cancel', id: string): Promise<CommandView> {
    for (const { client } of this.#byReachability()) {
      const signal = AbortSignal.timeout(client.connected ? answerTimeoutMs : connectTimeoutMs);
      try {
        this.#onRequest('act');
        return await client.act(action, id, { signal });
      } catch (error) {
        const { code } = toErrorData(error, 'INTERNAL');
        if (code !== 'UNKNOWN_COMMAND' && !tryNext.has(code) && !signal.aborted) throw error;
      }
    }
    throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
  }

  /** Every peer's inspector view, by address; a peer that does not answer says so. */
  async inspectAll(): Promise<Record<string, unknown>[]> {
    return Promise.all(
      this.#peers.map(async ({ address, client }) => {
        const signal = AbortSignal.timeout(client.connected ? answerTimeoutMs : connectTimeoutMs);
        try {
          this.#onRequest('inspect');
          return { address, reachable: true, ...(await client.inspect({ signal })) };
        } catch (error) {
          return { address, reachable: false, error: toErrorData(error, 'INTERNAL') };
        }
      }),
    );
  }

  /** Every reachable peer's page of the list (peers that do not answer are left out). */
  async listAll(filter: CommandFilter): Promise<CommandView[][]> {
    const pages = await Promise.all(
      this.#peers.map(async ({ client }) => {
        const signal = AbortSignal.timeout(client.connected ? answerTimeoutMs : connectTimeoutMs);
        this.#onRequest('list');
        return client.list(filter, { signal }).catch(() => []);
      }),
    );
    return pages;
  }

  /**
   * A forwarded Command's final result, as its owner replied on the forward's own exchange: no
   * further request.
   */
  async result(id: string, signal: AbortSignal): Promise<CommandResult> {
    const call = this.#calls.get(id);
    if (!call) throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    });
    return Promise.race([call.result, aborted]);
  }

  /** Waits for a forwarded Command's final result, then returns its details from its owner. */
  async whenDone(id: string, signal: AbortSignal): Promise<CommandView> {
    await this.result(id, signal);
    const details = await this.get(id);
    if (!details) throw new CoordinatorError('UNKNOWN_COMMAND', `No Command with id ${id}`);
    return details;
  }

  /** Whether a forwarded Command's result is awaited here. */
  forwarded(id: string): boolean {
    return this.#calls.has(id);
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#peers.map(({ client }) => client.close()));
  }
}
