import { CoordinatorError } from '@coordinator/core';
import type { OutgoingMessage } from './partition-writer.js';

/** One partition's messages in a produce request. */
export interface PartitionSend {
  readonly partition: number;
  readonly messages: readonly OutgoingMessage[];
}

/** What the broker answered for one partition of a request: its base offset, or an error. */
export type PartitionAnswer = { readonly base: number } | { readonly error: unknown };

/**
 * Sends one produce request holding every partition's messages; resolves with each partition's
 * answer (a partition missing from the map failed with a protocol error).
 */
export type ProduceRequest = (
  sends: readonly PartitionSend[],
) => Promise<ReadonlyMap<number, PartitionAnswer>>;

interface Waiting {
  readonly partition: number;
  readonly take: () => readonly OutgoingMessage[];
  readonly resolve: (base: number | undefined) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The node's one produce pipeline: every partition's sends go through it. When no request is in
 * flight, what waits is sent at once (at the end of this turn of the event loop, so that the
 * sends asked for in it go together and a finished request's writers can ask again: no linger
 * timer, nothing waits for time to pass); while
 * one is in flight, every partition that asks to send waits, and the next request carries them
 * all, taking each partition's messages only when it is built, so that appends made meanwhile
 * join. Batching comes only from what arrives while a request is in flight. One request carries
 * at most one send per partition (a partition's sends stay in order, one batch each, so each
 * gets its own base offset to check), and each partition's answer settles only its own send.
 */
export class ProducePipeline {
  readonly #request: ProduceRequest;
  #waiting: Waiting[] = [];
  #inFlight = false;
  #scheduled = false;

  constructor(request: ProduceRequest) {
    this.#request = request;
  }

  /**
   * Sends what `take` gives, when the next request is built, to `partition`; resolves with its
   * base offset, or undefined when `take` gave nothing.
   */
  send(partition: number, take: () => readonly OutgoingMessage[]): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ partition, take, resolve, reject });
      this.#schedule();
    });
  }

  #schedule(): void {
    if (this.#inFlight || this.#scheduled || this.#waiting.length === 0) return;
    this.#scheduled = true;
    setImmediate(this.#pump);
  }

  readonly #pump = (): void => {
    this.#scheduled = false;
    if (this.#inFlight) return;
    const chosen: Waiting[] = [];
    const later: Waiting[] = [];
    const seen = new Set<number>();
    for (const waiting of this.#waiting) {
      if (seen.has(waiting.partition)) later.push(waiting);
      else {
        seen.add(waiting.partition);
        chosen.push(waiting);
      }
    }
    this.#waiting = later;
    const sends: PartitionSend[] = [];
    const senders: Waiting[] = [];
    for (const waiting of chosen) {
      let messages: readonly OutgoingMessage[];
      try {
        messages = waiting.take();
      } catch (error) {
        waiting.reject(error);
        continue;
      }
      if (messages.length === 0) waiting.resolve(undefined);
      else {
        sends.push({ partition: waiting.partition, messages });
        senders.push(waiting);
      }
    }
    if (sends.length === 0) {
      this.#schedule();
      return;
    }
    this.#inFlight = true;
    this.#request(sends)
      .then(
        (answers) => {
          for (const sender of senders) {
            const answer = answers.get(sender.partition);
            if (answer && 'base' in answer) sender.resolve(answer.base);
            else sender.reject(answer ? answer.error : missingAnswer(sender.partition));
          }
        },
        (error: unknown) => {
          for (const sender of senders) sender.reject(error);
        },
      )
      .finally(() => {
        this.#inFlight = false;
        this.#schedule();
      });
  };
}

function missingAnswer(partition: number): CoordinatorError {
  return new CoordinatorError(
    'PROTOCOL',
    `The broker's answer to a send names no base offset for partition ${partition}`,
  );
}
