export { FileLog } from './file-log/file-log.js';
export type { FileLogEvent } from './file-log/file-log-event.js';
export {
  type FileLogInput,
  type FileLogOptions,
  fileLogDefaults,
} from './file-log/file-log-options.js';
