import type { LifecycleState } from './command-machine.js';
import type { CommandState } from './command-state.js';
import type { CoordinatorEvent } from './events.js';
import type { LogRecord } from './records.js';

/** The `command.transition` event of a record just applied to its Command. */
export function transitionEvent(
  command: CommandState,
  record: LogRecord,
  from: LifecycleState,
): CoordinatorEvent {
  const base = {
    type: 'command.transition',
    id: command.id,
    commandType: command.type,
    record: record.kind,
    from,
    to: command.current.state,
    position: command.current.position,
  } as const;
  switch (record.kind) {
    case 'failed':
    case 'delayed':
    case 'blocked':
      return record.service === undefined
        ? { ...base, step: record.step, error: record.error }
        : { ...base, step: record.step, service: record.service, error: record.error };
    case 'done':
      return record.error ? { ...base, error: record.error } : base;
    default:
      return base;
  }
}
