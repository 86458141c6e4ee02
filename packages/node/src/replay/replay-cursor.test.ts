import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../../test/support/wait-for.js';
import { CursorFile, defaultCursorFile, readCursor } from './replay-cursor.js';

const dir = () => mkdtemp(join(tmpdir(), 'coordinator-cursor-'));

describe('the replay cursor file', () => {
  it('is named by service and target in the current directory unless given', () => {
    expect(defaultCursorFile('payments', 'http://127.0.0.1:7502/admin/rebuild')).toBe(
      join(process.cwd(), '.coordinator-replay-payments-127.0.0.1_7502_admin_rebuild.json'),
    );
    expect(defaultCursorFile('ledger', 'hook-coordinator.config.ts')).toBe(
      join(process.cwd(), '.coordinator-replay-ledger-hook-coordinator.config.ts.json'),
    );
  });

  it('holds the latest cursor after a flush, written whole (no temporary file left)', async () => {
    const d = await dir();
    const file = join(d, 'cursor.json');
    expect(await readCursor(file, 'payments')).toBeUndefined();
    const cursor = new CursorFile(file, 'payments', 'http://x/rebuild', 10_000);
    for (let n = 1; n <= 100; n++) cursor.update(String(n));
    await cursor.flush();
    expect(await readCursor(file, 'payments')).toBe('100');
    expect(JSON.parse(await readFile(file, 'utf8'))).toMatchObject({
      service: 'payments',
      target: 'http://x/rebuild',
      cursor: '100',
    });
    expect(await readdir(d)).toEqual(['cursor.json']);
  });

  it('saves on its own within everyMs of an update', async () => {
    const file = join(await dir(), 'cursor.json');
    const cursor = new CursorFile(file, 'payments', 'x', 5);
    cursor.update('7');
    await waitFor('the cursor saved', async () => (await readCursor(file, 'payments')) === '7');
    await cursor.flush();
  });

  it("refuses a file that is not a cursor, or another service's, with INVALID_OPTION", async () => {
    const file = join(await dir(), 'cursor.json');
    await writeFile(file, 'not json');
    await expect(readCursor(file, 'payments')).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(
        /not one coordinator replay wrote; delete it or pass --from-start/,
      ),
    });
    const cursor = new CursorFile(file, 'inventory', 'x');
    cursor.update('3');
    await cursor.flush();
    await expect(readCursor(file, 'payments')).rejects.toMatchObject({
      code: 'INVALID_OPTION',
      message: expect.stringMatching(/a replay of service inventory, not payments/),
    });
  });
});
