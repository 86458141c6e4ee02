export type { Target as NodeTarget } from './cli/node-client.js';
export { type OutcomeRange, outcomePages, readOutcomes } from './cli/outcome-pages.js';
export { defineConfig, type NodeConfig } from './config/define-config.js';
export { loadConfig } from './config/load-config.js';
export { type NodeOptions, nodeOptions } from './config/node-options.js';
export { DriverHandler } from './driver-handler.js';
export { FileLog } from './file-log/file-log.js';
export type { FileLogEvent } from './file-log/file-log-event.js';
export {
  type FileLogInput,
  type FileLogOptions,
  fileLogOptions,
} from './file-log/file-log-options.js';
export { CoordinatorNode, type CreateNodeInput, createNode, type NodeAddresses } from './node.js';
export { PeerRouter } from './peer-router.js';
export {
  type ReplayInput,
  type ReplaySummary,
  replayOutcomes,
} from './replay/outcome-replay.js';
export {
  hookTarget,
  httpTarget,
  type OutcomeReplayHook,
  type ReplayTarget,
  type TargetAnswer,
} from './replay/replay-target.js';
