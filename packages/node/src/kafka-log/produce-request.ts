import type { Producer } from 'kafkajs';
import { contentType } from './log-envelope.js';
import type { PartitionAnswer, PartitionSend, ProduceRequest } from './produce-pipeline.js';

/**
 * The produce pipeline's request on kafkajs: one Produce for every partition's sends. kafkajs
 * fails the whole request on the first partition's error without naming it; then each partition
 * is sent again on its own (the idempotent producer answers a batch that had landed with its
 * first offset, and does not write it twice), so one failing partition fails only its own send.
 */
export function produceRequest(producer: Producer, topic: string): ProduceRequest {
  const headers = { 'content-type': contentType };
  const produce = async (
    sends: readonly PartitionSend[],
  ): Promise<Map<number, PartitionAnswer>> => {
    const answers = new Map<number, PartitionAnswer>();
    try {
      const result = await producer.sendBatch({
        acks: -1,
        topicMessages: [
          {
            topic,
            messages: sends.flatMap(({ partition, messages }) =>
              messages.map(({ key, value }) => ({ partition, key, value, headers })),
            ),
          },
        ],
      });
      for (const { partition, baseOffset } of result) {
        if (baseOffset !== undefined) answers.set(partition, { base: Number(baseOffset) });
      }
    } catch (error) {
      if (sends.length === 1) answers.set((sends[0] as PartitionSend).partition, { error });
      else {
        const alone = await Promise.all(sends.map((send) => produce([send])));
        for (const answer of alone) for (const [p, a] of answer) answers.set(p, a);
      }
    }
    return answers;
  };
  return produce;
}
