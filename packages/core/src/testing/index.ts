export { MemoryEventLog } from './memory-event-log.js';
export { SeededRandom, SequentialIds } from './seeded-random.js';
export { settle } from './settle.js';
export { SimulatedClock } from './simulated-clock.js';
