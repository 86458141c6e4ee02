export { checkEveryPath, type EveryPathOptions, type PathReport } from './check-every-path.js';
export { CheckFailure } from './check-failure.js';
export {
  checkRetrySemantics,
  describeSchedule,
  type RetryReport,
  type RetrySemanticsOptions,
} from './check-retry-semantics.js';
export { type CheckOptions, checkRun, findViolations } from './check-run.js';
export type { Coverage } from './coverage.js';
export type { StepAttempt } from './execution-scope.js';
export {
  type CrashPointsOptions,
  crashPoints,
  type FaultKind,
  type FaultSchedule,
  type FaultScheduleOptions,
  type FaultsOptions,
  faultKinds,
  faultSchedule,
  faults,
  type ScheduledCommand,
  transientFaults,
} from './fault-schedule.js';
export { kitOptions } from './kit-options.js';
export {
  describeAction,
  type OperatorActionKind,
  type OperatorOptions,
  type OperatorRequest,
  operatorActionKinds,
  operatorActions,
  type ScheduledAction,
} from './operator-action.js';
export type { OperatorSource } from './operator-desk.js';
export { abandonedByCancel } from './operator-invariants.js';
export type { Run, SubmittedCommand } from './run.js';
export { type RunScheduleConfig, runSchedule } from './run-schedule.js';
export type { CallSite, FaultSource, ServiceCall } from './service-call.js';
export {
  type NodeSubmission,
  SimulatedNode,
  type SimulatedNodeConfig,
} from './simulated-node.js';
export { formatTimeline, type TimelineEntry } from './timeline.js';
export { type InvariantName, invariantNames, type Violation } from './violation.js';
