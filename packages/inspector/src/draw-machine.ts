import type { AnyStateMachine } from 'xstate';
import { layoutChart } from './chart/chart-layout.js';
import { chartMermaid } from './chart/chart-mermaid.js';
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

/** The formats a chart comes in: SVG, Mermaid, or the XState machine definition as JSON. */
export type ChartFormat = 'svg' | 'mermaid' | 'json';

/**
 * A Command type's machine as text in one of the chart formats: what `GET /v1/types/{type}/chart`
 * answers and `coordinator draw` writes. JSON is the machine's config (what `createMachine` was
 * given): it pastes into Stately's editor and `createMachine` as it is.
 */
export async function renderChart(machine: AnyStateMachine, format: ChartFormat): Promise<string> {
  if (format === 'json') return `${JSON.stringify(machine.config, null, 2)}\n`;
  if (format === 'mermaid') return chartMermaid(machineGraph(machine));
  return `${(await drawMachine(machine)).svg}\n`;
}
