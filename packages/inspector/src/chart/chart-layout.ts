import type { ELK, ElkExtendedEdge, ElkNode } from 'elkjs/lib/elk-api.js';
import type { ChartState, ChartTransition, MachineGraph } from './machine-graph.js';

/** A state placed on the chart: absolute position and size. */
export interface PlacedState {
  readonly state: ChartState;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  readonly depth: number;
}

/** A transition routed on the chart: its polyline and where its label goes. */
export interface PlacedTransition {
  readonly transition: ChartTransition;
  readonly points: readonly { x: number; y: number }[];
  readonly label: { x: number; y: number };
}

export interface ChartLayout {
  readonly width: number;
  readonly height: number;
  readonly states: readonly PlacedState[];
  readonly transitions: readonly PlacedTransition[];
}

const charWidth = 7;
const stateHeight = 34;
const labelHeight = 14;

function stateSize(state: ChartState): { width: number; height: number } {
  if (state.type === 'history') return { width: 26, height: 26 };
  return { width: Math.max(84, state.label.length * charWidth + 44), height: stateHeight };
}

function elkNode(state: ChartState): ElkNode {
  if (state.children.length === 0) return { id: state.id, ...stateSize(state) };
  return {
    id: state.id,
    layoutOptions: { 'elk.padding': '[top=34,left=16,bottom=16,right=16]' },
    children: state.children.map(elkNode),
  };
}

function elkEdge(transition: ChartTransition): ElkExtendedEdge {
  return {
    id: transition.id,
    sources: [transition.source],
    targets: [transition.target],
    labels: [
      { text: transition.event, width: transition.event.length * 6.5 + 6, height: labelHeight },
    ],
  };
}

/**
 * Lays a machine graph out with ELK (layered, top to bottom, orthogonal edges, compound states
 * laid out with their children, a fixed seed so the same machine always gives the same chart).
 */
export async function layoutChart(graph: MachineGraph): Promise<ChartLayout> {
  // A CommonJS module whose `module.exports` is the constructor (its typings say `default`).
  const Elk = (await import('elkjs/lib/elk.bundled.js')).default as unknown as new () => ELK;
  const elk = new Elk();
  const root: ElkNode = await elk.layout({
    id: '$root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.randomSeed': '1',
      'elk.spacing.nodeNode': '28',
      'elk.layered.spacing.nodeNodeBetweenLayers': '36',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.padding': '[top=12,left=12,bottom=12,right=12]',
    },
    children: graph.states.map(elkNode),
    edges: graph.transitions.map(elkEdge),
  });
  const byId = new Map(flatten(graph.states).map((s) => [s.id, s]));
  const offsets = new Map<string, { x: number; y: number }>([['$root', { x: 0, y: 0 }]]);
  const states: PlacedState[] = [];
  const place = (node: ElkNode, at: { x: number; y: number }, depth: number) => {
    for (const child of node.children ?? []) {
      const x = at.x + (child.x ?? 0);
      const y = at.y + (child.y ?? 0);
      offsets.set(child.id, { x, y });
      const state = byId.get(child.id);
      if (state) {
        states.push({ state, x, y, width: child.width ?? 0, height: child.height ?? 0, depth });
      }
      place(child, { x, y }, depth + 1);
    }
  };
  place(root, { x: 0, y: 0 }, 0);
  const transitionsById = new Map(graph.transitions.map((t) => [t.id, t]));
  const transitions: PlacedTransition[] = [];
  const collect = (node: ElkNode) => {
    for (const edge of node.edges ?? []) {
      const transition = transitionsById.get(edge.id);
      const section = edge.sections?.[0];
      if (!transition || !section) continue;
      const container = (edge as { container?: string }).container ?? node.id;
      const origin = offsets.get(container) ?? { x: 0, y: 0 };
      const shift = (p: { x: number; y: number }) => ({ x: p.x + origin.x, y: p.y + origin.y });
      const points = [section.startPoint, ...(section.bendPoints ?? []), section.endPoint].map(
        shift,
      );
      const label = edge.labels?.[0];
      const middle = points[Math.floor(points.length / 2)] as { x: number; y: number };
      transitions.push({
        transition,
        points,
        label:
          label?.x === undefined
            ? middle
            : shift({ x: label.x + (label.width ?? 0) / 2, y: (label.y ?? 0) + labelHeight / 2 }),
      });
    }
    for (const child of node.children ?? []) collect(child);
  };
  collect(root);
  return { width: root.width ?? 0, height: root.height ?? 0, states, transitions };
}

function flatten(states: readonly ChartState[]): ChartState[] {
  return states.flatMap((s) => [s, ...flatten(s.children)]);
}
