export { readAll } from './conformance-assertions.js';
export {
  type ConformanceCheck,
  type ConformanceOptions,
  type EventLogUnderTest,
  eventLogConformance,
} from './event-log-conformance.js';
export { MemoryEventLog, type MemoryEventLogOptions } from './memory-event-log.js';
export { SeededRandom, SequentialIds } from './seeded-random.js';
export { settle } from './settle.js';
export { SimulatedClock } from './simulated-clock.js';
