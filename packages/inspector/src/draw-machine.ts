import type { AnyStateMachine } from 'xstate';
import { layoutChart } from './chart/chart-layout.js';
import { chartSvg } from './chart/chart-svg.js';
import { type MachineGraph, machineGraph } from './chart/machine-graph.js';

/** A Command type's machine, drawn. */
export interface MachineChart {
  readonly graph: MachineGraph;
  /** A standalone SVG document (see `chartSvg` for its data attributes). */
  readonly svg: string;
}

/**
 * Draws a Command type's machine: its states and transitions from XState (`xstate/graph`), laid
 * out by ELK, rendered as SVG. The node serves it to the page; `coordinator draw` prints it.
 *
 * @example
 * const { svg } = await drawMachine(orderSaga.machine);
 */
export async function drawMachine(machine: AnyStateMachine): Promise<MachineChart> {
  const graph = machineGraph(machine);
  return { graph, svg: chartSvg(graph.type, await layoutChart(graph)) };
}
