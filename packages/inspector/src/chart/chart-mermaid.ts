import type { ChartState, MachineGraph } from './machine-graph.js';

/** A Mermaid-safe name for a state id (`executing.compensate:charge` → `executing_compensate_charge`). */
function alias(id: string): string {
  return id.replace(/[^A-Za-z0-9_]/g, '_');
}

/**
 * The machine as a Mermaid `stateDiagram-v2`: compound states nested, each state named by its
 * label, every transition labelled with its event, initial states marked.
 */
export function chartMermaid(graph: MachineGraph): string {
  const lines = ['stateDiagram-v2'];
  const declare = (states: readonly ChartState[], indent: string) => {
    const [initial] = states;
    if (initial) lines.push(`${indent}[*] --> ${alias(initial.id)}`);
    for (const state of states) {
      lines.push(`${indent}state "${state.label}" as ${alias(state.id)}`);
      if (state.children.length > 0) {
        lines.push(`${indent}state ${alias(state.id)} {`);
        declare(state.children, `${indent}  `);
        lines.push(`${indent}}`);
      }
      if (state.type === 'final') lines.push(`${indent}${alias(state.id)} --> [*]`);
    }
  };
  declare(graph.states, '  ');
  for (const t of graph.transitions) {
    lines.push(`  ${alias(t.source)} --> ${alias(t.target)}: ${t.event}`);
  }
  return `${lines.join('\n')}\n`;
}
