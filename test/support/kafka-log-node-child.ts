/**
 * A Kafka-log node in its own process, for tests that pause it (SIGSTOP) into a zombie:
 * `node --import tsx --conditions=@coordinator/source test/support/kafka-log-node-child.ts
 * <brokers> <topic> <groupId> <partitions>`. Prints one line per fact: `assigned <p>`,
 * `revoked <p>`, `fenced <p>`, `ack <p> <position> <id>`, `fail <p> <code>`. Reads commands on
 * stdin: `write <p>` starts appending to p (until an append fails); `exit` closes the log.
 */

import { createInterface } from 'node:readline';
import { CoordinatorError } from '@coordinator/core';
import { KafkaLog } from '@coordinator/node/kafka';
import { outcomeRecord } from './file-log-records.js';

const [brokers, topic, groupId, partitions] = process.argv.slice(2);
if (!brokers || !topic || !groupId || !partitions) {
  throw new Error('usage: <brokers> <topic> <groupId> <partitions>');
}

const say = (line: string) => process.stdout.write(`${line}\n`);

const log = await KafkaLog.open({
  brokers: [brokers],
  topic,
  groupId,
  partitions: Number(partitions),
  nodeId: `child-${process.pid}`,
  sessionTimeoutMs: 2000,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 4000,
  onEvent: (event) => {
    if (event.type === 'kafka-log.fenced') say(`fenced ${event.partition}`);
  },
});
await log.own(Number(partitions), {
  assigned: async (p) => {
    say(`assigned ${p}`);
  },
  revoked: (p) => {
    say(`revoked ${p}`);
  },
});

async function write(p: number): Promise<void> {
  for (let i = 0; ; i++) {
    const id = `child-${p}-${i}`;
    try {
      const [position] = await log.append(p, [outcomeRecord(id)]);
      say(`ack ${p} ${position} ${id}`);
    } catch (error) {
      say(`fail ${p} ${error instanceof CoordinatorError ? error.code : String(error)}`);
      return;
    }
    // A modest pace: the point is a steady writer, not throughput.
    await new Promise((resolve) => setTimeout(resolve, 3));
  }
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, arg] = line.split(' ');
  if (command === 'write') void write(Number(arg));
  if (command === 'exit') break;
}
await log.close();
