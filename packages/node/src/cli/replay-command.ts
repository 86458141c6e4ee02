import { basename } from 'node:path';
import { CoordinatorError, type OutcomeRetentionState } from '@coordinator/core';
import { loadConfig } from '../config/load-config.js';
import { type ReplaySummary, replayOutcomes } from '../replay/outcome-replay.js';
import { CursorFile, defaultCursorFile, readCursor } from '../replay/replay-cursor.js';
import { replayOptions } from '../replay/replay-options.js';
import { replayProgress } from '../replay/replay-progress.js';
import { defaultReplayRetry } from '../replay/replay-retry.js';
import { replaySource } from '../replay/replay-source.js';
import { hookTarget, httpTarget, type ReplayTarget } from '../replay/replay-target.js';
import { fail } from './fail.js';
import { clientCommand, type Target } from './node-client.js';
import { type OutcomeRange, outcomePages } from './outcome-pages.js';

/** Where the Outcomes go: an HTTP endpoint, or a config's `outcomeReplay` hook. */
interface Destination {
  /** For messages and the cursor file's name. */
  readonly name: string;
  readonly send: ReplayTarget;
  close(): Promise<void>;
}

function invalid(message: string): CoordinatorError {
  return new CoordinatorError('INVALID_OPTION', message);
}

async function destination(to: string | undefined, config: string | undefined, timeoutMs: number) {
  if (to !== undefined && config !== undefined) {
    throw invalid('Give either --to <url> or --config <file> (its outcomeReplay hook), not both');
  }
  if (to !== undefined) {
    if (!/^https?:\/\//i.test(to) || !URL.canParse(to)) {
      throw invalid(`--to must be an http:// or https:// URL, got ${JSON.stringify(to)}`);
    }
    return { name: to, send: httpTarget(to, { timeoutMs }), close: async () => undefined };
  }
  if (config === undefined) {
    throw invalid(
      'Say where to replay to: --to <url>, or --config <file> whose outcomeReplay hook takes them',
    );
  }
  const loaded = await loadConfig(config);
  const hook = loaded.outcomeReplay;
  if (!hook) throw invalid(`Config ${config} has no outcomeReplay hook; pass --to <url> instead`);
  const receiver = await loaded.receiver();
  return {
    name: `hook-${basename(config)}`,
    send: hookTarget(hook, receiver),
    close: async () => {
      await loaded.close?.(receiver);
    },
  } satisfies Destination;
}

/** How many Outcomes `range` holds now: the progress bar's 100%. */
async function countOutcomes(node: Target, range: OutcomeRange) {
  let outcomes = 0;
  for await (const page of outcomePages(node, range)) outcomes += page.items.length;
  return outcomes;
}

/** Writes a line to stdout, waiting while the pipe is full. */
async function printLine(text: string): Promise<void> {
  if (!process.stdout.write(`${text}\n`)) {
    await new Promise((resolve) => process.stdout.once('drain', resolve));
  }
}

function stoppedError(summary: ReplaySummary, cursorFile: string): unknown {
  const { stop } = summary;
  if (!stop || stop.reason === 'interrupted') return undefined;
  if (stop.reason === 'source') return stop.error;
  const { outcome: o, detail, attempts } = stop;
  const why =
    stop.reason === 'terminal'
      ? `was refused: ${detail}`
      : `was not taken after ${attempts} tries; the last: ${detail}`;
  return new CoordinatorError(
    'REPLAY_STOPPED',
    `Outcome ${o.idempotencyKey} (Command ${o.commandId}, step ${o.step}, cursor ${o.cursor}) ${why}. Everything before it was replayed; the cursor is saved in ${cursorFile}: run the same command to resume there.`,
  );
}

/** `coordinator replay`: sends a service's recorded Outcomes to a target that rebuilds from them. */
export function replayCommand() {
  const command = clientCommand('replay')
    .description(
      "Send every Outcome recorded for a service, in order, to a target that rebuilds the service's data.",
    )
    .requiredOption('--service <name>', 'the service whose Outcomes to replay')
    .option('--to <url>', 'POST each Outcome here (JSON, with its Idempotency-Key header)')
    .option('-c, --config <file>', 'without --to: a config whose outcomeReplay hook takes them')
    .option(
      '--cursor-file <file>',
      'where the cursor is saved (default: named by service and target)',
    )
    .option('--from-start', 'ignore a saved cursor: replay from the oldest Outcome kept')
    .option(
      '--since <time>',
      'only Outcomes recorded at or after this time (ms since the epoch or an ISO date)',
    )
    .option('--dry-run', 'print what would be sent (NDJSON), send nothing');
  for (const [name, spec] of Object.entries(replayOptions.options)) {
    command.option(
      `--${spec.flag} <${name.endsWith('Ms') ? 'ms' : 'n'}>`,
      `${spec.description} (default ${replayOptions.defaults[name as never]})`,
    );
  }
  return command.action(async (flags) => {
    let target: Destination | undefined;
    try {
      const raw = flags as Record<string, unknown>;
      const options = replayOptions.resolveLayers([
        {
          source: 'flags',
          values: {
            concurrency: raw.concurrency,
            ratePerSecond: raw.rate,
            timeoutMs: raw.timeout,
            maxAttempts: raw.maxAttempts,
          },
        },
      ]);
      const node: Target = flags;
      const { service } = flags;
      const dryRun = flags.dryRun === true;
      target =
        dryRun && !flags.to && !flags.config
          ? undefined
          : await destination(flags.to, flags.config, options.timeoutMs);
      const cursorFile = flags.cursorFile ?? defaultCursorFile(service, target?.name ?? 'dry-run');
      const after = flags.fromStart ? undefined : await readCursor(cursorFile, service);
      const progress = replayProgress(process.stderr, service);
      const onRetention = (r: OutcomeRetentionState) => {
        if (!r.complete && after === undefined) {
          const from = r.oldest ? new Date(r.oldest.at).toISOString() : 'now';
          process.stderr.write(
            `replay ${service}: Outcomes before ${from} are no longer kept; the replay is complete from there on\n`,
          );
        }
      };
      const retry = { ...defaultReplayRetry, maxAttempts: options.maxAttempts };
      const outcomes = replaySource({
        pages: (from) => outcomePages(node, { service, after: from, since: flags.since }),
        after,
        retry,
        random: Math.random,
        onRetention,
        onRetry: (error, delayMs) =>
          process.stderr.write(
            `replay ${service}: reading from ${node.url} failed (${(error as Error).message}); again in ${delayMs} ms\n`,
          ),
      });
      process.stderr.write(
        `replay ${service} to ${target?.name ?? '(dry run)'}: ${after === undefined ? 'from the oldest Outcome kept' : `after cursor ${after} (${cursorFile})`}${flags.since === undefined ? '' : `, recorded since ${flags.since}`}\n`,
      );
      if (dryRun) {
        let printed = 0;
        for await (const outcome of outcomes) {
          await printLine(JSON.stringify(outcome));
          printed += 1;
        }
        progress.printed(printed);
        return;
      }
      if (process.stderr.isTTY)
        countOutcomes(node, { service, after, since: flags.since }).then(
          progress.total,
          () => undefined,
        );
      const send = (target as Destination).send;
      const cursor = new CursorFile(cursorFile, service, (target as Destination).name);
      const interrupt = new AbortController();
      const onSignal = () => interrupt.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const startedAt = performance.now();
      const summary = await replayOutcomes({
        outcomes,
        target: send,
        concurrency: options.concurrency,
        ratePerSecond: options.ratePerSecond,
        retry,
        random: Math.random,
        onCursor: (c) => cursor.update(c),
        onDone: progress.done,
        onRetry: progress.retry,
        signal: interrupt.signal,
      });
      await cursor.flush();
      progress.end(summary);
      await printLine(
        JSON.stringify({
          service,
          target: (target as Destination).name,
          sent: summary.sent,
          skipped: summary.skipped,
          failed: summary.failed,
          cursor: summary.cursor ?? after ?? null,
          cursorFile,
          complete: summary.stop === undefined,
          elapsedMs: Math.round(performance.now() - startedAt),
        }),
      );
      const error = stoppedError(summary, cursorFile);
      if (error !== undefined) throw error;
      if (summary.stop?.reason === 'interrupted') {
        process.stderr.write(
          `replay ${service}: interrupted; the cursor is saved in ${cursorFile}\n`,
        );
        process.exit(130);
      }
    } catch (error) {
      await target?.close().catch(() => undefined);
      fail(error);
    } finally {
      await target?.close().catch((error: unknown) => fail(error));
    }
  });
}
