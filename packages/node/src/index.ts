export { defineConfig, type NodeConfig } from './config/define-config.js';
export { loadConfig } from './config/load-config.js';
export {
  defaultNodeOptions,
  envName,
  type NodeOptions,
  type OptionLayer,
  optionsFromEnv,
  resolveNodeOptions,
} from './config/node-options.js';
export { DriverHandler } from './driver-handler.js';
export { FileLog } from './file-log/file-log.js';
export type { FileLogEvent } from './file-log/file-log-event.js';
export {
  type FileLogInput,
  type FileLogOptions,
  fileLogDefaults,
} from './file-log/file-log-options.js';
export { CoordinatorNode, type CreateNodeInput, createNode, type NodeAddresses } from './node.js';
export { cryptoRandom, uuidIds } from './system-ports.js';
