/**
 * Any id a client may send (issue 9): every one is either refused at intake with a coded 400, or
 * accepted, retrievable by HTTP and the CLI, and run to done against a healthy service. None may
 * leave the node suspended.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nodeFixture } from './support/node-fixture.js';
import { getCommand, runCli, submit } from './support/node-process.js';

/** The documented id rule, written out independently of the code that enforces it. */
function validId(id: string): boolean {
  let length = 0;
  for (let i = 0; i < id.length; i++) {
    const unit = id.charCodeAt(i);
    if (unit <= 0x1f || (unit >= 0x7f && unit <= 0x9f)) return false;
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = id.charCodeAt(i + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      i += 1;
    } else if (unit >= 0xdc00 && unit <= 0xdfff) return false;
    length += 1;
  }
  return length >= 1 && length <= 256;
}

const awkward = fc.constantFrom(
  'a',
  'Z',
  '✓',
  '订',
  '😀',
  '%',
  '/',
  '?',
  '#',
  ' ',
  ':',
  '+',
  '\n',
  '\u0000',
  '\u007f',
  '\u0085',
  '\ud800',
  '\udc00',
);

const ids = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 300 }),
  fc.string({ unit: awkward, maxLength: 260 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }),
  fc.integer({ min: 250, max: 260 }).map((n) => '😀'.repeat(n)),
);

const fixture = nodeFixture();

describe('any id', () => {
  it('is refused with a coded 400, or accepted, retrievable and run to done; the node never suspends', async () => {
    const n = await fixture.node();
    const accepted: string[] = [];
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(ids, async (raw) => {
        // Each run needs its own id: a repeat would be a resubmit of an earlier one.
        const id = accepted.includes(raw) ? `${raw}${accepted.length}` : raw;
        const payload = { sku: 'P-1', qty: 1, amount: 1 };
        const { status, body } = await submit(
          n.url,
          { type: 'order', id, payload },
          { wait: 15_000 },
        );
        if (!validId(id)) {
          expect(status).toBe(400);
          expect(body.error.code).toBe('INVALID_PAYLOAD');
          refused += 1;
          return;
        }
        expect({ status, state: body.state, id: body.id }).toEqual({
          status: 200,
          state: 'done',
          id,
        });
        expect(body.error).toBeUndefined();
        const got = await getCommand(n.url, id);
        expect(got).toMatchObject({ status: 200, body: { id, state: 'done' } });
        accepted.push(id);
      }),
      { numRuns: 120 },
    );
    expect(accepted.length).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(10);
    const longest = [...accepted].sort((a, b) => b.length - a.length);
    for (const id of [
      longest[0] as string,
      ...accepted.filter((a) => /[^\x20-\x7e]/.test(a)).slice(0, 2),
    ]) {
      const cli = await runCli(['get', id, '--url', n.url]);
      expect(cli).toMatchObject({ code: 0, json: { id, state: 'done' } });
    }
    const ready = (await (await fetch(`${n.url}/readyz`)).json()) as {
      detail: { suspension: string; waiting: number };
    };
    expect(ready.detail).toMatchObject({ suspension: 'accepting', waiting: 0 });
  });
});
