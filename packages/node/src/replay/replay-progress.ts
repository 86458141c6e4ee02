import type { ArchivedOutcome } from '@coordinator/core';
import type { ReplaySummary } from './outcome-replay.js';
import type { TargetAnswer } from './replay-target.js';

interface ProgressOutput {
  readonly isTTY?: boolean;
  write(text: string): unknown;
}

const barWidth = 24;
const count = (n: number) => n.toLocaleString('en');

/**
 * A replay's progress on `out` (stderr): on a terminal one updating line with a bar of the
 * Outcomes done out of those to send (once {@link total} told how many; new ones recorded meanwhile
 * may take it past 100%, shown as 100%), the counts, the rate and the time of the latest Outcome
 * done; elsewhere the same without the bar, a line a second; each retry on a line of its own.
 */
export function replayProgress(out: ProgressOutput, service: string, now = Date.now) {
  const startedAt = now();
  const tty = out.isTTY === true;
  let sent = 0;
  let skipped = 0;
  let total: number | undefined;
  let lastAt: number | undefined;
  let shownAt = 0;
  let shown = false;
  const line = () => {
    const seconds = Math.max(0.001, (now() - startedAt) / 1000);
    const rate = Math.round((sent + skipped) / seconds);
    const of = total === undefined ? '' : ` of ${count(total)}`;
    const through = lastAt === undefined ? '' : `, through ${new Date(lastAt).toISOString()}`;
    return `replay ${service}: ${count(sent)} sent, ${count(skipped)} skipped${of} (${count(rate)}/s)${through}`;
  };
  const bar = () => {
    if (total === undefined) return `[${'?'.repeat(barWidth)}]  ..% `;
    const done = total === 0 ? 1 : Math.min(1, (sent + skipped) / total);
    const filled = Math.floor(done * barWidth);
    return `[${'#'.repeat(filled)}${'.'.repeat(barWidth - filled)}] ${String(Math.floor(done * 100)).padStart(3)}% `;
  };
  const clear = () => {
    if (tty && shown) out.write('\r\u001b[K');
    shown = false;
  };
  return {
    done(outcome: ArchivedOutcome, verdict: 'sent' | 'skipped') {
      if (verdict === 'sent') sent += 1;
      else skipped += 1;
      lastAt = Math.max(lastAt ?? outcome.at, outcome.at);
      const at = now();
      if (at - shownAt < (tty ? 100 : 1000)) return;
      shownAt = at;
      shown = true;
      out.write(tty ? `\r${bar()}${line()}\u001b[K` : `${line()}\n`);
    },
    /** How many Outcomes the replay has to send (counted while it runs). */
    total(outcomes: number) {
      total = outcomes;
    },
    retry(outcome: ArchivedOutcome, answer: TargetAnswer, attempt: number, delayMs: number) {
      clear();
      out.write(
        `replay ${service}: ${outcome.idempotencyKey} not taken (try ${attempt + 1}), again in ${delayMs} ms: ${answer.detail}\n`,
      );
    },
    /** The closing summary line: sent, skipped, failed, the rate and the cursor. */
    end(summary: ReplaySummary) {
      clear();
      const { sent, skipped, failed, cursor } = summary;
      const seconds = Math.max(0.001, (now() - startedAt) / 1000);
      const rate = count(Math.round((sent + skipped) / seconds));
      out.write(
        `replay ${service}: ${count(sent)} sent, ${count(skipped)} skipped, ${count(failed)} failed in ${seconds.toFixed(1)} s (${rate}/s)${cursor ? `; cursor ${cursor}` : ''}\n`,
      );
    },
    /** The closing line of a dry run. */
    printed(outcomes: number) {
      out.write(`replay ${service}: dry run: ${count(outcomes)} Outcomes printed, nothing sent\n`);
    },
  };
}
