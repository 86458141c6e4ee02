/**
 * The node's suspension state (DESIGN §3):
 * - `accepting`: takes new Commands; waiting ones retry at the slow interval;
 * - `suspended-slow`: a step found its service blocked; new Commands get `SUSPENDED`, waiting
 *   ones retry at the slow interval;
 * - `suspended-fast`: a retry succeeded while suspended; the rest retry at the fast interval.
 * It accepts again once no Command is waiting.
 */
export type SuspensionState = 'accepting' | 'suspended-slow' | 'suspended-fast';

export class SuspensionController {
  #state: SuspensionState = 'accepting';

  get state(): SuspensionState {
    return this.#state;
  }

  get suspended(): boolean {
    return this.#state !== 'accepting';
  }

  /** Which interval waiting Commands retry at now. */
  get interval(): 'slow' | 'fast' {
    return this.#state === 'suspended-fast' ? 'fast' : 'slow';
  }

  /** A step reported CmdBlocked: suspend, at the slow interval until a retry succeeds. */
  blocked(): void {
    this.#state = 'suspended-slow';
  }

  /** A retried Command made progress. Returns true when this switched the node to fast retries. */
  retrySucceeded(): boolean {
    if (this.#state !== 'suspended-slow') return false;
    this.#state = 'suspended-fast';
    return true;
  }

  /** The number of waiting (delayed or blocked) Commands changed. Returns true on resuming. */
  waiting(count: number): boolean {
    if (count > 0 || this.#state === 'accepting') return false;
    this.#state = 'accepting';
    return true;
  }
}
