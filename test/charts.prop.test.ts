/**
 * The drawn chart is the machine: for every Command type in the repo (each config file's types
 * and the core's test types) and for random saga shapes, the SVG's states are exactly the states
 * XState's own traversal (`xstate/graph`'s adjacency map) reaches, with their parents and the
 * history pseudo-state, and its transitions are exactly the ones the traversal takes.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type CommandType, defineCommand, defineSaga } from '@coordinator/core';
import { drawMachine } from '@coordinator/inspector';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { adjacencyMapToArray, getAdjacencyMap } from 'xstate/graph';
import { orderSaga, transfer } from '../packages/core/test-support/scripted.js';
import { defineNoOpOrderSaga } from './support/no-op-order-saga.js';
import { repoRoot } from './support/spawn-process.js';

/** Every config file in the repo: the example, the test and bench fixtures, coordinator init's. */
const configDirs = [
  'examples/order-saga',
  'test/support',
  'bench/fixtures',
  'packages/node/templates/init',
];
const configFiles = configDirs.flatMap((dir) =>
  readdirSync(join(repoRoot, dir))
    .filter((f) => /\.config\.(ts|mjs)$/.test(f))
    .map((f) => join(repoRoot, dir, f)),
);

async function repoTypes(): Promise<CommandType[]> {
  const types: CommandType[] = [orderSaga, transfer, defineNoOpOrderSaga()] as CommandType[];
  for (const file of configFiles) {
    const config = (await import(pathToFileURL(file).href)).default as { commands: CommandType[] };
    types.push(...config.commands);
  }
  return types;
}

/** The machine's events; none carries data the machine looks at. */
const events = ['START', 'OUTCOME', 'FAILED', 'DELAYED', 'BLOCKED', 'RETRY', 'DONE'].map(
  (type) => ({
    type,
  }),
);

/** `{ executing: 'charge' }` → `executing.charge`. */
function leafKey(value: unknown): string {
  if (typeof value === 'string') return value;
  const [[key, inner]] = Object.entries(value as Record<string, unknown>) as [[string, unknown]];
  return `${key}.${leafKey(inner)}`;
}

const ancestorsOf = (key: string) =>
  key.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'));

/** What XState's traversal reaches: the states (leaves and parents) and the moves between leaves. */
function traverse(machine: AnyStateMachine) {
  const adjacency = getAdjacencyMap(machine, {
    events,
    // A snapshot is its state and its history: the same state entered with a different history
    // goes somewhere else on RETRY.
    serializeState: (snapshot: AnyMachineSnapshot) =>
      JSON.stringify([
        snapshot.value,
        Object.entries(snapshot.historyValue ?? {}).map(([k, nodes]) => [
          k,
          (nodes as { id: string }[]).map((n) => n.id),
        ]),
      ]),
  });
  // Events a state ignores are in the map as staying put: only the ones it takes are moves.
  const moves = adjacencyMapToArray(adjacency)
    .filter(({ state, event }) => state.can(event))
    .map(({ state, event, nextState }) => ({
      from: leafKey(state.value),
      event: event.type,
      to: leafKey(nextState.value),
    }));
  const states = new Set(
    Object.values(adjacency).flatMap(({ state }) => ancestorsOf(leafKey(state.value))),
  );
  return { states, moves };
}

const fromEntities = (text: string) =>
  text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));

/** What the SVG draws: its states by kind, and its transitions. */
function drawn(svg: string) {
  const states = [...svg.matchAll(/<g data-state="([^"]*)" class="state (\w+)"/g)].map((m) => ({
    id: fromEntities(m[1] as string),
    kind: m[2] as string,
  }));
  const transitions = [
    ...svg.matchAll(/data-event="([^"]*)" data-source="([^"]*)" data-target="([^"]*)"/g),
  ].map((m) => ({
    event: fromEntities(m[1] as string),
    source: fromEntities(m[2] as string),
    target: fromEntities(m[3] as string),
  }));
  return { states, transitions };
}

/** The property, for one Command type's machine. */
async function expectChartIsMachine(type: CommandType) {
  const { machine } = type;
  const { svg } = await drawMachine(machine);
  const chart = drawn(svg);
  const reached = traverse(machine);
  const historyIds = chart.states.filter((s) => s.kind === 'history').map((s) => s.id);
  const stateIds = chart.states.filter((s) => s.kind !== 'history').map((s) => s.id);
  expect(new Set(stateIds)).toEqual(reached.states);
  expect(stateIds).toHaveLength(reached.states.size);
  expect(historyIds).toEqual(['executing.hist']);

  // A drawn transition explains a move when its event is the move's, it leaves the move's state
  // or a parent of it, and it enters the move's target, a parent of it (whose initial state that
  // is), or a history state inside one of its parents.
  const explains = (t: (typeof chart.transitions)[0], move: (typeof reached.moves)[0]) => {
    const targets = ancestorsOf(move.to);
    const historyParent = t.target.endsWith('.hist')
      ? t.target.slice(0, -'.hist'.length)
      : undefined;
    return (
      t.event === move.event &&
      ancestorsOf(move.from).includes(t.source) &&
      (targets.includes(t.target) ||
        (historyParent !== undefined && targets.includes(historyParent)))
    );
  };
  for (const move of reached.moves) {
    expect(
      chart.transitions.some((t) => explains(t, move)),
      `${move.from} --${move.event}--> ${move.to} is drawn`,
    ).toBe(true);
  }
  for (const t of chart.transitions) {
    expect(
      reached.moves.some((move) => explains(t, move)),
      `${t.source} --${t.event}--> ${t.target} is taken`,
    ).toBe(true);
  }
  const drawnIds = new Set(chart.transitions.map((t) => `${t.source}:${t.event}:${t.target}`));
  expect(drawnIds.size).toBe(chart.transitions.length);
  // The transitions a Command's timeline names (the core's stepper) are the drawn ones.
  const named = new Set(type.stepper.states().flatMap((s) => [...s.transitions.values()]));
  expect(named).toEqual(drawnIds);
}

describe('every Command type in the repo', () => {
  it('finds the config files', () => {
    expect(configFiles.length).toBeGreaterThanOrEqual(4);
  });

  it('draws exactly the reachable states and the transitions XState takes', async () => {
    const types = await repoTypes();
    expect(types.map((t) => t.type)).toContain('order');
    for (const type of types) await expectChartIsMachine(type);
  });
});

const stepName = fc.stringMatching(/^[a-z][a-z0-9-]{0,11}$/);
const shapeArb = fc.uniqueArray(fc.record({ name: stepName, compensates: fc.boolean() }), {
  minLength: 1,
  maxLength: 7,
  selector: (s) => s.name,
});

test.prop([shapeArb], { numRuns: 40 })(
  'a saga of any shape is drawn as the machine XState runs',
  async (shape) => {
    const saga = defineSaga<unknown, unknown>({
      type: 'shape',
      steps: shape.map(({ name, compensates }) => ({
        name,
        service: `${name}-service`,
        run: async () => ({}),
        ...(compensates ? { compensate: async () => ({}) } : {}),
      })),
    });
    await expectChartIsMachine(saga as CommandType);
  },
);

it('a code body is drawn with one running state', async () => {
  const body = defineCommand<unknown, unknown, unknown>({ type: 'body', exec: async () => 1 });
  await expectChartIsMachine(body as CommandType);
  const { svg } = await drawMachine(body.machine);
  expect(drawn(svg).states.map((s) => s.id)).toContain('executing.running');
});
