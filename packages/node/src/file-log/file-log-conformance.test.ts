import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventLogConformance } from '@coordinator/core/testing';
import { describe, it } from 'vitest';
import { FileLog } from './file-log.js';

describe('FileLog conformance', () => {
  const checks = eventLogConformance(
    async () => {
      const dir = await mkdtemp(join(tmpdir(), 'coordinator-conformance-'));
      return {
        log: await FileLog.open({ dir }),
        partitions: 4,
        reopen: () => FileLog.open({ dir }),
        rival: () => FileLog.open({ dir }),
        dispose: () => rm(dir, { recursive: true, force: true }),
      };
    },
    { supports: ['reopen', 'rival'] },
  );
  for (const check of checks) it(check.name, check.run);
});
