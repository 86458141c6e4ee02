import type { SuspensionState } from '@coordinator/core';
import type { Run } from './run.js';
import type { TimelineEntry } from './timeline.js';
import type { Violation } from './violation.js';

/** A Command waiting for its retry (or its resume after a restart), and why it waits that long. */
interface Pending {
  readonly since: number;
  readonly interval: 'slow' | 'fast';
  readonly why: string;
  /** When the node switched to fast retries while it waited (it may have been brought forward). */
  readonly hurries: number[];
}

const activity = new Set(['started', 'retried', 'outcome', 'failed', 'delayed', 'blocked', 'done']);

/**
 * The node's retry and suspension rules (DESIGN §3), replayed over a run's timeline as a model
 * and compared with what the node did:
 * - a retry comes `interval ± jitter` after the Command's delayed or blocked record: the slow
 *   interval, or the fast one once a retry succeeded while the node was suspended (which also
 *   brings waiting retries forward to the fast interval); a restart resumes every unfinished
 *   Command after the slow interval; a retry an operator asked for (retry now, or the cancel of a
 *   waiting Command) comes when asked, and only that attempt is exempt;
 * - the first blocked record suspends the node; it accepts again once no Command waits (a
 *   Command waits from its delayed or blocked record until it makes progress after a retry);
 *   while suspended no new Command is admitted, and none is refused once nothing waits.
 */
export function timingViolations(run: Run<unknown>): Violation[] {
  const { slowRetryIntervalMs: slow, fastRetryIntervalMs: fast, jitterMs: jitter } = run.options;
  const violations: Violation[] = [];
  const within = (elapsed: number, interval: number) =>
    elapsed >= Math.max(0, interval - jitter) && elapsed <= interval + jitter;
  let mode: SuspensionState = 'accepting';
  let since = 0;
  let current = 1;
  const waiting = new Set<string>();
  const pending = new Map<string, Pending>();
  const unfinished = new Set<string>();
  /** Commands an operator just acted on. */
  const asked = new Set<string>();

  const resumed = (id: string, at: number) => {
    const p = pending.get(id);
    if (!p) return;
    pending.delete(id);
    const interval = p.interval === 'fast' ? fast : slow;
    if (within(at - p.since, interval) || p.hurries.some((h) => within(at - h, fast))) return;
    const hurried =
      p.hurries.length > 0
        ? `, or ${fast} ± ${jitter} ms after the node went fast at ${p.hurries.join(', ')} ms`
        : '';
    violations.push({
      invariant: 'retry-timing',
      message: `${id} resumed at ${at} ms, ${at - p.since} ms after ${p.why} at ${p.since} ms; expected ${interval} ± ${jitter} ms (the ${p.interval} interval${p.interval === 'fast' ? ': a retry had succeeded while suspended' : ''})${hurried}`,
      commandId: id,
      at,
    });
  };

  const admission = (entry: Extract<TimelineEntry, { kind: 'submit' }>) => {
    if (entry.incarnation !== current) return;
    const { id, at, answer } = entry;
    if (answer === 'accepted' && mode !== 'accepting') {
      violations.push({
        invariant: 'admission',
        message: `${id} was admitted at ${at} ms while the node was suspended (${mode} since ${since} ms, waiting: ${[...waiting].join(', ')})`,
        commandId: id,
        at,
      });
    } else if (answer === 'SUSPENDED' && mode === 'accepting') {
      violations.push({
        invariant: 'admission',
        message: `${id} was refused SUSPENDED at ${at} ms although no Command was waiting (the node accepts again once none waits)`,
        commandId: id,
        at,
      });
    }
  };

  const record = (at: number, kind: string, id: string, by?: string) => {
    if (kind === 'accepted') unfinished.add(id);
    if (kind === 'done') unfinished.delete(id);
    // A retry the operator asked for (a retry now; a cancel resumes a waiting or recovered
    // Command at once) is due when asked: only that attempt is exempt from the timing.
    if ((kind === 'retried' && by === 'operator') || (kind === 'started' && asked.has(id))) {
      pending.delete(id);
    }
    if (kind !== 'cancelled') asked.delete(id);
    if (activity.has(kind)) resumed(id, at);
    if (kind === 'delayed' || kind === 'blocked') {
      waiting.add(id);
      if (kind === 'blocked' && mode !== 'suspended-slow') {
        if (mode === 'accepting') since = at;
        mode = 'suspended-slow';
      }
      const interval = mode === 'suspended-fast' ? 'fast' : 'slow';
      pending.set(id, { since: at, interval, why: `its ${kind} record`, hurries: [] });
    } else if ((kind === 'outcome' || kind === 'failed' || kind === 'done') && waiting.delete(id)) {
      if (waiting.size > 0 && mode === 'suspended-slow') {
        mode = 'suspended-fast';
        for (const p of pending.values()) p.hurries.push(at);
      }
      if (waiting.size === 0) mode = 'accepting';
    }
  };

  for (const entry of run.entries) {
    switch (entry.kind) {
      case 'crash':
        pending.clear();
        break;
      case 'restart':
        current = entry.incarnation;
        mode = 'accepting';
        waiting.clear();
        for (const id of unfinished) {
          pending.set(id, { since: entry.at, interval: 'slow', why: 'the restart', hurries: [] });
        }
        break;
      case 'submit':
        admission(entry);
        break;
      case 'operator':
        asked.add(entry.id);
        break;
      case 'step':
        resumed(entry.attempt.commandId, entry.at);
        break;
      case 'record':
        record(
          entry.record.at,
          entry.record.kind,
          entry.record.id,
          entry.record.kind === 'retried' ? entry.record.by : undefined,
        );
        break;
    }
  }
  return violations;
}
