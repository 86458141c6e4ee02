import { describe, expect, it } from 'vitest';
import { archivedOutcome } from '../../../../test/support/archived-outcomes.js';
import { replayProgress } from './replay-progress.js';

const outcome = (n: number, at: number) => archivedOutcome(n, { at });

function output(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('replayProgress', () => {
  it('draws one updating line with a bar of the Outcomes done on a terminal, cleared at the end', () => {
    const out = output(true);
    let clock = 1_000_000;
    const progress = replayProgress(out, 'payments', () => clock);
    progress.done(outcome(1, 1_000), 'sent');
    expect(out.written[0]?.startsWith(`\r[${'?'.repeat(24)}]  ..% replay payments: 1 sent`)).toBe(
      true,
    );
    progress.total(4);
    progress.done(outcome(2, 2_000), 'skipped');
    expect(out.written).toHaveLength(1);
    clock += 100; // the line is redrawn at most every 100 ms
    progress.done(outcome(3, 3_000), 'sent');
    const line = out.written[1] ?? '';
    expect(line.startsWith(`\r[${'#'.repeat(18)}${'.'.repeat(6)}]  75% `)).toBe(true);
    expect(line.endsWith('Z\u001b[K')).toBe(true);
    expect(line).toMatch(
      /replay payments: 2 sent, 1 skipped of 4 \([\d,]+\/s\), through 1970-01-01T00:00:03.000Z/,
    );
    progress.end({ sent: 2, skipped: 1, failed: 0, cursor: '3' });
    expect(out.written[2]).toBe('\r\u001b[K');
    expect(out.written[3]).toMatch(
      /^replay payments: 2 sent, 1 skipped, 0 failed in \d+\.\d s \([\d,]+\/s\); cursor 3\n$/,
    );
  });

  it('writes plain lines elsewhere, at most one a second, and each retry on its own line', () => {
    const out = output(false);
    let clock = 1_000_000;
    const progress = replayProgress(out, 'inventory', () => clock);
    for (let n = 0; n <= 1000; n++) {
      progress.done(outcome(n, n), 'sent');
      clock += 1;
    }
    expect(out.written).toEqual([
      expect.stringMatching(/^replay inventory: 1 sent, 0 skipped/),
      expect.stringMatching(/^replay inventory: 1,001 sent, 0 skipped \(1,001\/s\)/),
    ]);
    progress.retry(outcome(5, 5), { verdict: 'retry', detail: 'x answered 503: busy' }, 0, 180);
    expect(out.written[2]).toBe(
      'replay inventory: order-5:charge not taken (try 1), again in 180 ms: x answered 503: busy\n',
    );
    progress.printed(1000);
    expect(out.written[3]).toBe(
      'replay inventory: dry run: 1,000 Outcomes printed, nothing sent\n',
    );
  });
});
