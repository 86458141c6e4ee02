export { canonicalJson } from './canonical-json.js';
export type { Clock, TimerHandle } from './clock.js';
export { checkCommandId, maxIdLength } from './command-id.js';
export type { Submission, SubmitResult } from './command-intake.js';
export { type LifecycleState, lifecycleStates } from './command-machine.js';
export { type CommandPage, listCursor } from './command-registry.js';
export { machineEventOf } from './command-state.js';
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
export type { CommandFilter, CommandView } from './command-view.js';
export { Driver, type DriverConfig } from './driver.js';
export { type CoordinatorOptions, driverOptions } from './driver-options.js';
export type { DriverStatus } from './driver-status.js';
export {
  CoordinatorError,
  type ErrorCode,
  type ErrorData,
  errorCodes,
  isErrorCode,
  toErrorData,
} from './errors.js';
export type { EventLog, LoggedRecord, OwnershipListener } from './event-log.js';
export type { CoordinatorEvent } from './events.js';
export type { MachineState, MachineStepper } from './machine-stepper.js';
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
export {
  type ArchivedOutcome,
  defaultOutcomeLimit,
  idempotencyKey,
  maxOutcomeLimit,
  type OutcomePage,
  type OutcomeQuery,
  type OutcomeReader,
  type OutcomeRetentionState,
} from './outcome-page.js';
export {
  formatRetention,
  type OutcomeRetention,
  parseRetention,
  readRetention,
  readRetentionMap,
  retention,
  retentionExpected,
  retentionOf,
} from './outcome-retention.js';
export { partitionOf } from './partitioner.js';
export type { IdSource, Random } from './random.js';
export {
  type AcceptedRecord,
  type CancelledRecord,
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
  recordVersion,
  type SnapshotRecord,
  type StartedRecord,
  type StepOutcome,
  type WaitRecord,
} from './records.js';
export { type CommandTypes, replay } from './replay.js';
export type { SuspensionState } from './suspension.js';
