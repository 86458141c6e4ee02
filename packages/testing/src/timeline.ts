import type { ErrorData, LogRecord, SuspensionState } from '@coordinator/core';
import type { StepAttempt } from './execution-scope.js';
import type { OperatorActionKind } from './operator-action.js';
import type { ServiceCall } from './service-call.js';
import type { Violation } from './violation.js';

/** What happened in a run, in order: the stuff of its timeline and of the invariants. */
export type TimelineEntry = { readonly at: number; readonly incarnation: number } & (
  | {
      readonly kind: 'submit';
      readonly id: string;
      readonly payload: unknown;
      /** `accepted`, `existing`, or the code it was refused with; absent until answered. */
      readonly answer?: string;
    }
  | {
      readonly kind: 'operator';
      readonly action: OperatorActionKind;
      readonly id: string;
      /** Made again right after the first answer (a client repeating it). */
      readonly repeat?: boolean;
      /** `ok (<state>)`, or the code it was refused with; absent until answered. */
      readonly answer?: string;
    }
  | { readonly kind: 'record'; readonly position: number; readonly record: LogRecord }
  | { readonly kind: 'step'; readonly attempt: StepAttempt }
  | {
      readonly kind: 'refused';
      readonly id: string;
      readonly step: string;
      readonly error: ErrorData;
    }
  | { readonly kind: 'call'; readonly call: ServiceCall }
  | { readonly kind: 'crash'; readonly records: number }
  | { readonly kind: 'restart'; readonly resumed: number }
  | { readonly kind: 'suspension'; readonly state: SuspensionState }
  | { readonly kind: 'stalled'; readonly id: string; readonly error: ErrorData }
  | { readonly kind: 'violation'; readonly violation: Violation }
);

const maxValueChars = 72;

/** A value in one short line: JSON, cut to a readable length. */
export function brief(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  return text.length > maxValueChars ? `${text.slice(0, maxValueChars - 1)}…` : text;
}

function argument(value: unknown): string {
  const key = (value as { idempotencyKey?: unknown } | null)?.idempotencyKey;
  return typeof key === 'string' ? `step(${key})` : brief(value);
}

function record(position: number, r: LogRecord): string {
  const head = `#${position} ${r.kind}`;
  switch (r.kind) {
    case 'accepted':
      return `${head} (${r.type})`;
    case 'outcome':
      return `${head} ${r.step} (${r.service}) ${brief(r.outcome)}`;
    case 'failed':
    case 'delayed':
    case 'blocked':
      return `${head} ${r.step}${r.service ? ` (${r.service})` : ''}: ${r.error.code} ${r.error.message}`;
    case 'done':
      return r.error
        ? `${head} with error ${r.error.code}: ${r.error.message}`
        : `${head} with result ${brief(r.result)}`;
    case 'snapshot':
      return `${head} (carried forward in ${r.command.state})`;
    case 'retried':
      return r.by ? `${head} by the ${r.by}` : head;
    case 'cancelled':
      return `${head} by the operator`;
    default:
      return head;
  }
}

function call(c: ServiceCall): string {
  const head = `  call #${c.index} ${c.target}(${c.args.map(argument).join(', ')})`;
  const answer =
    c.answer === undefined
      ? ''
      : 'value' in c.answer
        ? ` → ${brief(c.answer.value)}`
        : ` → threw ${c.answer.error.code}: ${c.answer.error.message}`;
  switch (c.fault) {
    case 'ok':
      return c.step === undefined ? `${head}${answer}  [outside any step]` : `${head}${answer}`;
    case 'timeout-after-effect':
      return `${head}${answer}  ✗ timeout-after-effect injected: the answer is lost`;
    default:
      return `${head}  ✗ ${c.fault} injected: not sent`;
  }
}

function line(entry: TimelineEntry): { command: string; text: string } {
  switch (entry.kind) {
    case 'submit':
      return {
        command: entry.id,
        text: `submit ${brief(entry.payload)} → ${entry.answer ?? '(no answer yet)'}`,
      };
    case 'operator':
      return {
        command: entry.id,
        text: `operator: ${entry.action}${entry.repeat ? ' again' : ''} → ${entry.answer ?? '(no answer yet)'}`,
      };
    case 'record':
      return { command: entry.record.id, text: record(entry.position, entry.record) };
    case 'step': {
      const a = entry.attempt;
      return {
        command: a.commandId,
        text: `step ${a.step} (${a.service}) runs: execution ${a.attempt}, key ${a.idempotencyKey}`,
      };
    }
    case 'refused':
      return {
        command: entry.id,
        text: `step ${entry.step} refused before it ran: ${entry.error.code} ${entry.error.message}`,
      };
    case 'call':
      return { command: entry.call.commandId, text: call(entry.call) };
    case 'crash':
      return {
        command: '',
        text: `✗ CRASH with ${entry.records} records in the log: the node dies; the services keep what they did`,
      };
    case 'restart':
      return {
        command: '',
        text: `restart: node ${entry.incarnation} recovers from the log, ${entry.resumed} Command(s) to resume`,
      };
    case 'suspension':
      return { command: '', text: `node suspension: ${entry.state}` };
    case 'stalled':
      return { command: entry.id, text: `stalled: ${entry.error.code} ${entry.error.message}` };
    case 'violation':
      return {
        command: entry.violation.commandId ?? '',
        text: `!! ${entry.violation.invariant}: ${entry.violation.message}`,
      };
  }
}

/**
 * The run as lines a person reads: virtual time, node incarnation (once there was a crash),
 * Command, then the record, step, service call (with the fault injected), crash or violation.
 */
export function formatTimeline(entries: readonly TimelineEntry[]): string {
  const crashed = entries.some((e) => e.kind === 'crash');
  const lines = entries.map((entry) => ({ entry, ...line(entry) }));
  const timeWidth = Math.max(...lines.map((l) => String(l.entry.at).length), 1);
  const idWidth = Math.max(...lines.map((l) => l.command.length), 1);
  return lines
    .map(({ entry, command, text }) => {
      const time = `${String(entry.at).padStart(timeWidth)} ms`;
      const node = crashed ? `  n${entry.incarnation}` : '';
      return `  ${time}${node}  ${command.padEnd(idWidth)}  ${text}`;
    })
    .join('\n');
}
