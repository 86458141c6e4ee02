/**
 * The crash tests' child: `node --import tsx --conditions=@coordinator/source
 * test/support/file-log-crash-child.ts <dir> <round> [trim]`. Prints `loaded` and waits for a `go`
 * line on stdin (so the parent can start it ahead of time), prints `opening`, opens the file log,
 * prints `ready`, then appends as fast as it can from several concurrent appenders and prints one
 * line per acknowledged append: `ack <partition> <first position> <count> <round> <appender>
 * <seq>`. With `trim`, it also commits checkpoints at the head all along, with small segments
 * deleted below them. It never stops on its own: the parent kills it (or closes stdin, and it
 * exits).
 */

import { createInterface } from 'node:readline';
import { FileLog } from '@coordinator/node';
import { outcomeRecord } from './file-log-records.js';

const [dir, round, mode] = process.argv.slice(2);
if (dir === undefined || round === undefined) throw new Error('usage: <dir> <round> [trim]');
/** `trim`: small segments, deleted below checkpoints committed at the head all along. */
const trim = mode === 'trim';
const appenders = 8;
const partitions = 3;

let pending: string[] = [];
function report(line: string): void {
  if (pending.length === 0) setImmediate(flush);
  pending.push(line);
}
function flush(): void {
  process.stdout.write(`${pending.join('\n')}\n`);
  pending = [];
}

async function appender(log: FileLog, a: number): Promise<void> {
  const partition = a % partitions;
  for (let seq = 0; ; seq++) {
    const count = 1 + (seq % 3);
    const records = Array.from({ length: count }, (_, i) =>
      outcomeRecord(`r${round}-a${a}-s${seq}-${i}`, 'x'.repeat(seq % 50)),
    );
    const positions = await log.append(partition, records);
    report(`ack ${partition} ${positions[0]} ${count} ${round} ${a} ${seq}`);
  }
}

const stdin = createInterface({ input: process.stdin });
stdin.on('close', () => process.exit(0));
process.stdout.write('loaded\n');
await new Promise<void>((resolve) => stdin.once('line', () => resolve()));
process.stdout.write('opening\n');
const log = await FileLog.open({
  dir,
  segmentBytes: trim ? 4096 : 64 * 1024,
  ...(trim ? { retainSegments: 'from-checkpoint' as const } : {}),
});
process.stdout.write('ready\n');

/** Commits every partition's checkpoint at its head, over and over. */
async function checkpoints(): Promise<void> {
  for (;;) {
    for (let p = 0; p < partitions; p++) await log.commitCheckpoint(p, await log.head(p));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

await Promise.all([
  ...Array.from({ length: appenders }, (_, a) => appender(log, a)),
  ...(trim ? [checkpoints()] : []),
]);
