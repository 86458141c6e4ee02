/**
 * The lock test's child: `... test/support/file-log-holder-child.ts <dir>`. Opens the file log
 * (printing `ready <pid>`, or `refused <code> <message>` and exiting when it cannot), then obeys
 * stdin: `append <n>` appends n records to partition 0 and prints `acked <positions…>`; `close`
 * closes the log and prints `closed`.
 */

import { createInterface } from 'node:readline';
import { CoordinatorError } from '@coordinator/core';
import { FileLog } from '@coordinator/node';
import { outcomeRecord } from './file-log-records.js';

const [dir] = process.argv.slice(2);
if (dir === undefined) throw new Error('usage: <dir>');

let log: FileLog;
try {
  log = await FileLog.open({ dir });
} catch (error) {
  if (!(error instanceof CoordinatorError)) throw error;
  process.stdout.write(`refused ${error.code} ${error.message}\n`);
  process.exit(0);
}
process.stdout.write(`ready ${process.pid}\n`);

let made = 0;
const stdin = createInterface({ input: process.stdin });
stdin.on('close', () => process.exit(0));
stdin.on('line', (line) => {
  const [command, argument] = line.split(' ');
  if (command === 'append') {
    const records = Array.from({ length: Number(argument) }, () => outcomeRecord(`held-${made++}`));
    void log.append(0, records).then((positions) => {
      process.stdout.write(`acked ${positions.join(' ')}\n`);
    });
  } else if (command === 'close') {
    void log.close().then(() => process.stdout.write('closed\n'));
  }
});
