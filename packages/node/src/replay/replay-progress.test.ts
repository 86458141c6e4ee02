import { describe, expect, it } from 'vitest';
import { archivedOutcome } from '../../../../test/support/archived-outcomes.js';
import { replayProgress } from './replay-progress.js';

const outcome = (n: number, at: number) => archivedOutcome(n, { at });

function output(isTTY: boolean) {
  const written: string[] = [];
  return { isTTY, written, write: (text: string) => written.push(text) };
}

describe('replayProgress', () => {
  it('draws one updating line with a bar of the time replayed on a terminal, cleared at the end', () => {
    const out = output(true);
    const startedAt = Date.now();
    const progress = replayProgress(out, 'payments', startedAt);
    const firstAt = startedAt - 100_000;
    progress.done(outcome(1, firstAt), 'sent');
    progress.done(outcome(2, firstAt + 25_000), 'skipped');
    expect(out.written).toHaveLength(1);
    const line = out.written[0] ?? '';
    expect(line.startsWith('\r[........................]   0% ')).toBe(true);
    expect(line.endsWith('Z\u001b[K')).toBe(true);
    expect(line).toMatch(/replay payments: 1 sent, 0 skipped \([\d,]+\/s\), through \S+Z/);
    progress.end({ sent: 1, skipped: 1, failed: 0, cursor: '2' });
    expect(out.written[1]).toBe('\r\u001b[K');
    expect(out.written[2]).toMatch(
      /^replay payments: 1 sent, 1 skipped, 0 failed in \d+\.\d s \([\d,]+\/s\); cursor 2\n$/,
    );
  });

  it('writes plain lines elsewhere, at most one a second, and each retry on its own line', () => {
    const out = output(false);
    const progress = replayProgress(out, 'inventory');
    for (let n = 0; n < 1000; n++) progress.done(outcome(n, n), 'sent');
    expect(out.written).toEqual([expect.stringMatching(/^replay inventory: 1 sent, 0 skipped/)]);
    progress.retry(outcome(5, 5), { verdict: 'retry', detail: 'x answered 503: busy' }, 0, 180);
    expect(out.written[1]).toBe(
      'replay inventory: order-5:charge not taken (try 1), again in 180 ms: x answered 503: busy\n',
    );
    progress.printed(1000);
    expect(out.written[2]).toBe(
      'replay inventory: dry run: 1,000 Outcomes printed, nothing sent\n',
    );
  });
});
