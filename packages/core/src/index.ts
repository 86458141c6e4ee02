export { type AdmissionInput, admit } from './admission.js';
export { canonicalJson } from './canonical-json.js';
export { CheckpointTracker } from './checkpoint-tracker.js';
export type { Clock, TimerHandle } from './clock.js';
export { checkCommandId, maxIdLength } from './command-id.js';
export {
  codeBodyState,
  compensationState,
  createCommandMachine,
  type LifecycleState,
  lifecycleStates,
  type MachineEvent,
  machineEvents,
  type SagaShape,
  sagaCompensated,
  sagaCompleted,
} from './command-machine.js';
export type { RecordDraft, RunEnd } from './command-runner.js';
export { applyRecord, type CommandState, machineEventOf, snapshotOf } from './command-state.js';
export {
  type CodeCommandDefinition,
  type CodeCommandType,
  type CommandType,
  defineCommand,
  defineSaga,
  type SagaCommandType,
  type SagaDefinition,
  type SagaStep,
  type SagaStepInfo,
  type StepContext,
  type StepInfo,
} from './command-type.js';
export { type CommandFilter, type CommandView, commandView } from './command-view.js';
export {
  Driver,
  type DriverConfig,
  type DriverStatus,
  type Submission,
  type SubmitResult,
} from './driver.js';
export { type CoordinatorOptions, driverOptions } from './driver-options.js';
export {
  CoordinatorError,
  type ErrorCode,
  type ErrorData,
  errorCodes,
  isErrorCode,
  toErrorData,
} from './errors.js';
export type { EventLog, LoggedRecord } from './event-log.js';
export type { CoordinatorEvent } from './events.js';
export { type MachineNode, MachineStepper } from './machine-stepper.js';
export { MinHeap } from './min-heap.js';
export {
  invalidOption,
  type Option,
  type OptionConfig,
  type OptionKind,
  type OptionPatch,
  type OptionSource,
  type Presence,
} from './options/option.js';
export {
  type ChoiceBounds,
  type IntegerBounds,
  type ListBounds,
  type OptionFactory,
  option,
  type StringBounds,
  type TypedOptionFactory,
} from './options/option-kinds.js';
export {
  defineOptions,
  envName,
  type OptionLayer,
  type OptionSet,
  type OptionSpecs,
  type OptionsInput,
  type OptionsOf,
  type OptionViolation,
} from './options/option-set.js';
export { OwnedPartition } from './owned-partition.js';
export { partitionOf, routingKeyOf } from './partitioner.js';
export type { IdSource, Random } from './random.js';
export {
  type AcceptedRecord,
  type CommandEvent,
  type CommandSnapshotData,
  type DoneRecord,
  decodeRecord,
  type FailedRecord,
  type FailedStep,
  type LogRecord,
  type OutcomeRecord,
  type RecordKind,
  type RetriedRecord,
  recordSchema,
  recordVersion,
  type SnapshotRecord,
  type StartedRecord,
  type StepOutcome,
  type WaitRecord,
} from './records.js';
export { type CommandTypes, Replayer, replay } from './replay.js';
export { type RetryTiming, retryDelay } from './retry-policy.js';
export { RetryScheduler } from './retry-scheduler.js';
export { SuspensionController, type SuspensionState } from './suspension.js';
