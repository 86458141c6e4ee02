import type { CommandType, CommandView, CoordinatorOptions } from '@coordinator/core';
import type { ReferenceRun } from './invariants.js';
import { SimulatedNode } from './simulated-node.js';

/**
 * Fault-free runs of single Commands on fresh receivers, each made once and kept: what
 * `transient-result` compares a Command's end with.
 */
export function referenceRuns<Rcv>(
  types: readonly CommandType<Rcv>[],
  receiver: () => Rcv,
  options: Partial<CoordinatorOptions>,
): ReferenceRun {
  const made = new Map<string, Promise<CommandView | undefined>>();
  return (command, payload) => {
    const key = `${command.type} ${command.id} ${JSON.stringify(payload)}`;
    let view = made.get(key);
    if (!view) {
      view = (async () => {
        const node = await SimulatedNode.start({ types, receiver: receiver(), options });
        node.send({ type: command.type, id: command.id, payload });
        await node.settle(100 * (node.options.slowRetryIntervalMs + node.options.jitterMs));
        return node.get(command.id);
      })();
      made.set(key, view);
    }
    return view;
  };
}
