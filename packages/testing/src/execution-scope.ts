import { AsyncLocalStorage } from 'node:async_hooks';
import type { RunRecorder } from './run-recorder.js';

/** One life of a simulated node between crashes. */
export interface Incarnation {
  readonly number: number;
  readonly recorder: RunRecorder;
  dead: boolean;
}

/** One execution of one step (or compensation) of a Command, as the kit saw it. */
export interface StepAttempt {
  /** Its number in the run, from 0. */
  readonly index: number;
  readonly at: number;
  readonly commandId: string;
  readonly step: string;
  /** The service the step declares. */
  readonly service: string;
  /** The key the driver gave the step. */
  readonly idempotencyKey: string;
  /** The Command's execution number (1 on the first run, +1 per retry). */
  readonly attempt: number;
  readonly incarnation: number;
  /** Service calls it made so far. */
  readonly calls: number;
  /** `ok`, or the code it failed with; absent while it runs. */
  readonly end?: string;
}

export type LiveAttempt = { -readonly [K in keyof StepAttempt]: StepAttempt[K] };

/**
 * Where a piece of Command code runs: which node incarnation, which Command, which step. Every
 * timer callback and submission of a simulated node runs inside one, so the promise chains the
 * Driver starts from them (bodies, steps, service calls) carry it.
 */
export interface ExecutionScope {
  readonly incarnation: Incarnation;
  readonly commandId?: string;
  readonly attempt?: LiveAttempt;
}

export const executionScope = new AsyncLocalStorage<ExecutionScope>();
