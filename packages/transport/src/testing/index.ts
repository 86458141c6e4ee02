export {
  type MemoryCommand,
  MemoryCommandHandler,
  type MemoryCommandHandlerOptions,
} from './memory-command-handler.js';
