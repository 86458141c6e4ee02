import type { LifecycleState } from './command-machine.js';
import type { ErrorData } from './errors.js';
import type { RecordKind } from './records.js';
import type { SuspensionState } from './suspension.js';

/**
 * What the driver reports, as typed events: the node turns them into log lines and metrics at
 * the edge.
 */
export type CoordinatorEvent =
  | {
      readonly type: 'command.accepted';
      readonly id: string;
      readonly commandType: string;
      readonly partition: number;
    }
  | {
      readonly type: 'command.transition';
      readonly id: string;
      readonly commandType: string;
      readonly record: RecordKind;
      readonly from: LifecycleState;
      readonly to: LifecycleState;
      readonly position: string;
      /** The machine states before and after (`executing.charge`, `delayed`): a chart's state ids. */
      readonly fromKey: string;
      readonly key: string;
      /** The step a failed, delayed or blocked record names, and its service when known. */
      readonly step?: string;
      readonly service?: string;
      /** Why: on failed, delayed, blocked and done-with-error records. */
      readonly error?: ErrorData;
    }
  | {
      readonly type: 'command.done';
      readonly id: string;
      readonly commandType: string;
      readonly error?: ErrorData;
    }
  | { readonly type: 'command.stalled'; readonly id: string; readonly error: ErrorData }
  | { readonly type: 'node.suspension'; readonly state: SuspensionState }
  | {
      readonly type: 'recovery.progress';
      readonly partition: number;
      /** Records replayed so far in this partition. */
      readonly records: number;
      /** About how many records the partition's replay reads in all (from its checkpoint). */
      readonly total: number;
    }
  | {
      readonly type: 'recovery.done';
      readonly partition: number;
      readonly records: number;
      readonly resumed: number;
      readonly checkpoint: number;
    }
  | {
      readonly type: 'checkpoint.committed';
      readonly partition: number;
      readonly position: number;
    }
  | { readonly type: 'checkpoint.failed'; readonly partition: number; readonly error: ErrorData }
  | { readonly type: 'partition.revoked'; readonly partition: number };
