import type { CommandState } from './command-state.js';
import type { CoordinatorEvent } from './events.js';
import type { MachineState } from './machine-stepper.js';
import type { LogRecord } from './records.js';

/** The `command.transition` event of a record just applied to its Command. */
export function transitionEvent(
  command: CommandState,
  record: LogRecord,
  from: MachineState,
): CoordinatorEvent {
  const base = {
    type: 'command.transition',
    id: command.id,
    commandType: command.type,
    record: record.kind,
    from: from.state,
    to: command.current.state,
    position: command.current.position,
    fromKey: from.key,
    key: command.current.key,
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
