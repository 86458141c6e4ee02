import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  formatRetention,
  idempotencyKey,
  type OutcomeRecord,
  type OutcomeRetention,
  parseRetention,
  retention,
} from '@coordinator/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { archiveItem } from './archive-entry.js';
import { parseSegmentName } from './segment-file.js';
import { ServiceArchive } from './service-archive.js';

type Op =
  | { readonly kind: 'write'; readonly entries: readonly { id: number; step: string }[] }
  | { readonly kind: 'trim'; readonly retention: OutcomeRetention; readonly now: number }
  | { readonly kind: 'reopen' }
  | { readonly kind: 'read'; readonly from: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc
      .array(fc.record({ id: fc.nat(40), step: fc.constantFrom('charge', 'compensate:charge') }), {
        maxLength: 12,
      })
      .map((entries) => ({ kind: 'write' as const, entries })),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('trim' as const),
      retention: fc.oneof(
        fc.nat({ max: 3000 }).map((bytes) => ({ kind: 'size' as const, bytes: bytes + 1 })),
        fc.nat({ max: 400 }).map((ms) => ({ kind: 'age' as const, ms: ms + 1 })),
        fc.constant({ kind: 'forever' as const }),
      ),
      now: fc.nat({ max: 600 }),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'reopen' as const }) },
  { weight: 2, arbitrary: fc.nat(300).map((from) => ({ kind: 'read' as const, from })) },
);

/** The archive's segment files, oldest first: base position and size. */
async function segments(dir: string): Promise<{ base: number; bytes: number }[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const found: { base: number; bytes: number }[] = [];
  for (const name of names) {
    const base = parseSegmentName(name);
    if (base !== undefined) found.push({ base, bytes: (await stat(join(dir, name))).size });
  }
  return found.sort((a, b) => a.base - b.base);
}

async function readAll(archive: ServiceArchive, from: number) {
  const read: { position: number; entry: OutcomeRecord }[] = [];
  for await (const batch of archive.read(from)) read.push(...batch);
  return read;
}

const item = (id: string, at: number) =>
  archiveItem({ v: 1, kind: 'outcome', id, type: 't', step: 's', service: 'svc', at, outcome: at });

describe('a service archive', () => {
  it('behaves like an ordered log deduplicated by idempotency key over its last two segments, trimmed from the oldest', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 30 }), async (ops) => {
        const root = await mkdtemp(join(tmpdir(), 'coordinator-service-archive-'));
        const dir = join(root, 'svc');
        const config = { dir, service: 'svc', segmentBytes: 300, sync: false };
        let archive = await ServiceArchive.open(config, 0);
        /** The model: every entry kept, in order, at its position. */
        let model: { position: number; entry: OutcomeRecord }[] = [];
        let next = 0;
        let clock = 0;
        try {
          for (const step of ops) {
            if (step.kind === 'write') {
              const entries = step.entries.map(
                ({ id, step: name }): OutcomeRecord => ({
                  v: 1,
                  kind: 'outcome',
                  id: `cmd-${id}`,
                  type: 'order',
                  step: name,
                  service: 'svc',
                  at: clock++,
                  outcome: { n: clock },
                }),
              );
              // A repeat is looked up among the last two segments' entries (as they were).
              const files = await segments(dir);
              const windowStart = files.at(-2)?.base ?? files.at(-1)?.base ?? 0;
              await archive.write(entries.map((entry) => archiveItem(entry)));
              const keys = new Set(
                model
                  .filter((m) => m.position >= windowStart)
                  .map((m) => idempotencyKey(m.entry.id, m.entry.step)),
              );
              for (const entry of entries) {
                const key = idempotencyKey(entry.id, entry.step);
                if (keys.has(key)) continue;
                keys.add(key);
                model.push({ position: next++, entry });
              }
            } else if (step.kind === 'trim') {
              const before = model;
              await archive.trim(step.retention, step.now);
              const first = archive.first;
              model = before.filter((m) => m.position >= first);
              const dropped = before.filter((m) => m.position < first);
              const files = await segments(dir);
              if (step.retention.kind === 'age') {
                const cutoff = step.now - step.retention.ms;
                expect(dropped.every((m) => m.entry.at < cutoff)).toBe(true);
                // Minimal: the oldest segment kept still holds an Outcome inside the age, or it is
                // the last one.
                const oldest = model.filter((m) => m.position < (files[1]?.base ?? next));
                if (files.length > 1) expect(oldest.some((m) => m.entry.at >= cutoff)).toBe(true);
              } else if (step.retention.kind === 'size') {
                const total = files.reduce((sum, f) => sum + f.bytes, 0);
                expect(files.length <= 1 || total <= step.retention.bytes).toBe(true);
              } else {
                expect(dropped).toEqual([]);
              }
            } else if (step.kind === 'reopen') {
              await archive.close();
              archive = await ServiceArchive.open(config, archive.end);
            } else {
              const read = await readAll(archive, step.from);
              expect(read).toEqual(model.filter((m) => m.position >= step.from));
            }
            expect(archive.end).toBe(next);
          }
          expect(await readAll(archive, 0)).toEqual(model);
        } finally {
          await archive.close();
          await rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 60 },
    );
  });

  it('cuts off on open whatever lies past the end the manifest recorded', async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(30), fc.nat(30), async (count, cut) => {
        const root = await mkdtemp(join(tmpdir(), 'coordinator-service-archive-'));
        const config = { dir: join(root, 'svc'), service: 'svc', segmentBytes: 200, sync: false };
        try {
          const archive = await ServiceArchive.open(config, 0);
          for (let i = 0; i < count; i++) {
            await archive.write([item(`c${i}`, i)]);
          }
          await archive.close();
          const end = Math.min(cut, count);
          const reopened = await ServiceArchive.open(config, end);
          expect(reopened.end).toBe(end);
          const ids = (await readAll(reopened, 0)).map((r) => r.entry.id);
          expect(ids).toEqual(Array.from({ length: end }, (_, i) => `c${i}`));
          // A key cut off is new again.
          await reopened.write([item(`c${end}`, 0)]);
          expect(reopened.end).toBe(end + 1);
          await reopened.close();
        } finally {
          await rm(root, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});

describe('an Outcome retention', () => {
  const retentions = fc.oneof(
    fc.constant<OutcomeRetention>({ kind: 'forever' }),
    fc.constant<OutcomeRetention>({ kind: 'none' }),
    fc.integer({ min: 1, max: 2 ** 50 }).map((ms) => ({ kind: 'age' as const, ms })),
    fc.integer({ min: 1, max: 2 ** 50 }).map((bytes) => ({ kind: 'size' as const, bytes })),
  );

  it('reads back what it writes', () => {
    fc.assert(
      fc.property(retentions, (r) => {
        expect(parseRetention(formatRetention(r))).toEqual(r);
        expect(retention(formatRetention(r))).toEqual(r);
      }),
    );
  });

  it('reads units as their multiples, and nothing else', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(['ms', 1], ['s', 1000], ['m', 60_000], ['h', 3_600_000], ['d', 86_400_000]),
        (n, [unit, ms]) => {
          expect(parseRetention(`${n}${unit}`)).toEqual({ kind: 'age', ms: n * (ms as number) });
          expect(parseRetention(`${n}${String(unit).toUpperCase()}`)?.kind).toBe('age');
        },
      ),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.constantFrom(['KiB', 1024], ['MB', 1e6], ['GiB', 2 ** 30], ['b', 1]),
        (n, [unit, bytes]) => {
          expect(parseRetention(`${n}${unit}`)).toEqual({
            kind: 'size',
            bytes: n * (bytes as number),
          });
        },
      ),
    );
    fc.assert(
      fc.property(fc.string(), (text) => {
        const read = parseRetention(text);
        if (read) expect(/^\s*(forever|none|0|\d+\s*[a-z]+)\s*$/i.test(text)).toBe(true);
        else
          expect(() => retention(text)).toThrow(
            expect.objectContaining({ code: 'INVALID_OPTION' }),
          );
      }),
    );
  });
});
