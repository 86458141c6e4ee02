export { type ChartLayout, layoutChart } from './chart/chart-layout.js';
export { chartMermaid } from './chart/chart-mermaid.js';
export { chartSvg } from './chart/chart-svg.js';
export {
  type ChartState,
  type ChartTransition,
  type MachineGraph,
  machineGraph,
  stateIds,
} from './chart/machine-graph.js';
export { type ChartFormat, drawMachine, type MachineChart, renderChart } from './draw-machine.js';
