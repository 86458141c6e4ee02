export { fail } from './start-command.js';
