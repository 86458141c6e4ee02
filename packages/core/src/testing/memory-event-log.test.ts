import { describe, it } from 'vitest';
import { eventLogConformance } from './event-log-conformance.js';
import { MemoryEventLog } from './memory-event-log.js';

describe('MemoryEventLog conformance', () => {
  const checks = eventLogConformance(
    async () => {
      let log = new MemoryEventLog();
      return {
        log,
        partitions: 4,
        moveAway: async (partition) => log.revoke(partition),
        takeOver: async (partition) => log.fence(partition),
        reopen: async () => {
          log = log.reopen();
          return log;
        },
      };
    },
    { supports: ['moveAway', 'takeOver', 'reopen'] },
  );
  for (const check of checks) it(check.name, check.run);
});
