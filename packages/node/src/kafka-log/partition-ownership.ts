import type { CoordinatorError } from '@coordinator/core';
import {
  fencedByClaimError,
  notOwnerError,
  notReadyError,
  type PartitionName,
} from './ownership-errors.js';

/** Why a partition was given up, as `kafka-log.revoked` reports it. */
type DropReason = 'rebalance' | 'fenced' | 'failed' | 'stopped';

/**
 * Where this node stands with one partition the group assigned to it. `round` counts the claims
 * started; events about a claim, its writer or its `assigned` call carry the round they belong
 * to, so that one finishing after it was overtaken changes nothing.
 */
export type OwnershipState =
  /** Claiming, then replaying up to the CLAIM (at `epoch`, -1 until appended); appends refused. */
  | { readonly phase: 'claiming'; readonly round: number; readonly epoch: number }
  /** Replay reached the CLAIM: appends and reads are served under `epoch`. */
  | { readonly phase: 'live'; readonly round: number; readonly epoch: number }
  /**
   * Not held although still assigned: before the first claim, or given up (fenced, failed, the
   * listener threw). Claimed again when the reclaim timer fires (`reclaiming`: after fencing or a
   * failure), unless a rebalance takes it away first, or at the next rebalance that assigns it.
   */
  | {
      readonly phase: 'dropped';
      readonly round: number;
      readonly reclaiming: boolean;
      readonly error?: CoordinatorError;
    }
  /** No longer assigned, or the log closed. Final. */
  | { readonly phase: 'released'; readonly round: number; readonly error: CoordinatorError };

export type OwnershipEvent =
  /** The group assigns the partition here (first, or again after it was dropped). */
  | { readonly type: 'acquire' }
  /** The round's CLAIM was appended at `epoch`. */
  | { readonly type: 'claimed'; readonly round: number; readonly epoch: number }
  | { readonly type: 'claim-failed'; readonly round: number; readonly error: CoordinatorError }
  /** Replay reached the round's CLAIM; `latestClaim` is the newest CLAIM seen by then. */
  | { readonly type: 'replayed'; readonly round: number; readonly latestClaim: number }
  /** A CLAIM was seen in the partition, any node's. */
  | { readonly type: 'claim-seen'; readonly offset: number }
  | {
      readonly type: 'writer-stopped';
      readonly round: number;
      readonly reason: 'fenced' | 'failed';
      readonly error: CoordinatorError;
    }
  | {
      readonly type: 'listener-failed';
      readonly round: number;
      readonly phase: 'assigned' | 'revoked';
    }
  /** A rebalance took the partition away. */
  | { readonly type: 'release' }
  | { readonly type: 'reclaim-due' }
  | { readonly type: 'close'; readonly error: CoordinatorError };

/** What the shell does after a transition, in order. */
export type OwnershipEffect =
  /** Load the checkpoint (the first time), append a CLAIM; report `claimed` or `claim-failed`. */
  | { readonly type: 'claim'; readonly round: number }
  | { readonly type: 'report-claimed'; readonly epoch: number }
  /** Wait until replay reaches the CLAIM at `epoch`; report `replayed`. */
  | { readonly type: 'await-replay'; readonly round: number; readonly epoch: number }
  | { readonly type: 'report-live'; readonly epoch: number }
  /** The round's writer refuses every append from now on (if it was claimed). */
  | { readonly type: 'refuse'; readonly round: number; readonly error: CoordinatorError }
  | {
      readonly type: 'report-drop';
      readonly reason: DropReason;
      readonly epoch: number;
      readonly error: CoordinatorError;
    }
  /** Call the listener, after the calls before it; a failing call reports `listener-failed`. */
  | { readonly type: 'notify'; readonly round: number; readonly phase: 'assigned' | 'revoked' }
  /** Report `reclaim-due` after `delayMs`. */
  | { readonly type: 'schedule-reclaim'; readonly delayMs: number }
  | { readonly type: 'cancel-reclaim' };

export interface OwnershipStep {
  readonly state: OwnershipState;
  readonly effects: readonly OwnershipEffect[];
}

export interface OwnershipOptions extends PartitionName {
  /** Pause before claiming again after a failed claim or send. */
  readonly retryMs: number;
  /**
   * Pause before claiming again after being fenced while the group still assigns the partition
   * here: long enough for a rebalance this node has not heard of yet to take it away first.
   */
  readonly reclaimDelayMs: number;
}

type Held = Extract<OwnershipState, { phase: 'claiming' | 'live' }>;
type NotHeld = Exclude<OwnershipState, Held>;

/** Assigned by the group, not claimed yet: `acquire` starts the first claim. */
export const unclaimed: OwnershipState = Object.freeze({
  phase: 'dropped',
  round: 0,
  reclaiming: false,
});

/**
 * The ownership rules of one partition, without I/O: the group's assignment is the arbiter, the
 * CLAIMs only keep the log single-writer. The listener hears `revoked` only after `assigned`,
 * and never after the log closed.
 */
export function transition(
  state: OwnershipState,
  event: OwnershipEvent,
  options: OwnershipOptions,
): OwnershipStep {
  switch (event.type) {
    case 'acquire':
    case 'reclaim-due': {
      if (state.phase !== 'dropped') return stay(state);
      if (event.type === 'reclaim-due' && !state.reclaiming) return stay(state);
      const round = state.round + 1;
      const cancel = event.type === 'acquire' ? cancelReclaim(state) : [];
      return {
        state: { phase: 'claiming', round, epoch: -1 },
        effects: [...cancel, { type: 'claim', round }],
      };
    }
    case 'claimed': {
      if (!isClaiming(state, event.round)) {
        const error = ('error' in state && state.error) || notOwnerError(options);
        return { state, effects: [{ type: 'refuse', round: event.round, error }] };
      }
      const { round, epoch } = event;
      return {
        state: { ...state, epoch },
        effects: [
          { type: 'report-claimed', epoch },
          { type: 'await-replay', round, epoch },
        ],
      };
    }
    case 'claim-failed':
      if (!isClaiming(state, event.round)) return stay(state);
      return drop(state, 'failed', event.error, options);
    case 'replayed': {
      if (!isClaiming(state, event.round) || state.epoch < 0) return stay(state);
      const { round, epoch } = state;
      if (event.latestClaim > epoch) {
        return drop(
          state,
          'fenced',
          fencedByClaimError(options, event.latestClaim, epoch),
          options,
        );
      }
      return {
        state: { phase: 'live', round, epoch },
        effects: [
          { type: 'report-live', epoch },
          { type: 'notify', round, phase: 'assigned' },
        ],
      };
    }
    case 'claim-seen':
      if (state.phase !== 'live' || event.offset <= state.epoch) return stay(state);
      return drop(state, 'fenced', fencedByClaimError(options, event.offset, state.epoch), options);
    case 'writer-stopped':
      if (!isLive(state, event.round)) return stay(state);
      return drop(state, event.reason, event.error, options);
    case 'listener-failed':
      if (event.phase !== 'assigned' || !isLive(state, event.round)) return stay(state);
      return drop(state, 'stopped', notOwnerError(options), options);
    case 'release':
      if (state.phase === 'released') return stay(state);
      if (state.phase === 'dropped') {
        const error = state.error ?? notOwnerError(options);
        return { state: released(state, error), effects: cancelReclaim(state) };
      }
      return drop(state, 'rebalance', notOwnerError(options), options);
    case 'close':
      return close(state, event.error);
  }
}

/** Why appends are refused in `state`: the error it was given up with, else `NOT_READY`. */
export function refusal(state: OwnershipState, name: PartitionName): CoordinatorError {
  return ('error' in state && state.error) || notReadyError(name);
}

function drop(
  state: Held,
  reason: DropReason,
  error: CoordinatorError,
  options: OwnershipOptions,
): OwnershipStep {
  const { round, epoch } = state;
  const effects: OwnershipEffect[] = [{ type: 'report-drop', reason, epoch, error }];
  if (epoch >= 0) effects.push({ type: 'refuse', round, error });
  const reclaimMs =
    reason === 'failed'
      ? options.retryMs
      : reason === 'fenced'
        ? options.reclaimDelayMs
        : undefined;
  if (reclaimMs !== undefined) effects.push({ type: 'schedule-reclaim', delayMs: reclaimMs });
  if (state.phase === 'live') effects.push({ type: 'notify', round, phase: 'revoked' });
  if (reason === 'rebalance') return { state: released(state, error), effects };
  const reclaiming = reclaimMs !== undefined;
  return { state: { phase: 'dropped', round, reclaiming, error }, effects };
}

function close(state: OwnershipState, error: CoordinatorError): OwnershipStep {
  switch (state.phase) {
    case 'released':
      return stay(state);
    case 'dropped':
      return { state: released(state, state.error ?? error), effects: cancelReclaim(state) };
    default: {
      const effects: OwnershipEffect[] = [];
      if (state.epoch >= 0) effects.push({ type: 'refuse', round: state.round, error });
      return { state: released(state, error), effects };
    }
  }
}

function released(state: OwnershipState, error: CoordinatorError): OwnershipState {
  return { phase: 'released', round: state.round, error };
}

function cancelReclaim(state: NotHeld): OwnershipEffect[] {
  return state.phase === 'dropped' && state.reclaiming ? [{ type: 'cancel-reclaim' }] : [];
}

function isClaiming(state: OwnershipState, round: number): state is Held & { phase: 'claiming' } {
  return state.phase === 'claiming' && state.round === round;
}

function isLive(state: OwnershipState, round: number): state is Held & { phase: 'live' } {
  return state.phase === 'live' && state.round === round;
}

function stay(state: OwnershipState): OwnershipStep {
  return { state, effects: [] };
}
