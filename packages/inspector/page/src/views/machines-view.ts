import { api, type CommandTypeInfo } from '../api-client.js';
import { h, replaceChildren } from '../element.js';
import { LiveCounts } from '../live-counts.js';
import { MachineChart } from '../machine-chart.js';
import type { PageContext } from '../page-context.js';
import { routeHref } from '../route.js';
import { errorNotice } from './error-notice.js';

/** A state key's lifecycle state (its top level), for the Commands list filter. */
const lifecycleOf = (key: string) => key.split('.')[0] ?? key;

function typeFacts(info: CommandTypeInfo): HTMLElement {
  const steps = info.steps ?? [];
  return h(
    'div',
    { class: 'type-facts' },
    h(
      'p',
      { class: 'muted' },
      info.kind === 'saga'
        ? `A declared saga of ${steps.length} steps`
        : 'A code body: its steps are the ones it records',
      ' · calls ',
      info.services.join(', '),
    ),
    steps.length > 0 &&
      h(
        'ol',
        { class: 'steps' },
        steps.map((step) =>
          h(
            'li',
            null,
            h('span', { class: 'step-name' }, step.name),
            h('span', { class: 'muted' }, ` on ${step.service}`),
            step.compensates && h('span', { class: 'tag' }, 'compensates'),
          ),
        ),
      ),
  );
}

/** The counts beside a chart: every state with Commands in it, most first. */
function countTable(type: string, counts: Readonly<Record<string, number>>): HTMLElement {
  const rows = Object.entries(counts)
    .filter(([, n]) => n > 0)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return h('p', { class: 'muted' }, 'No Commands of this type yet.');
  return h(
    'table',
    { class: 'table compact' },
    h('thead', null, h('tr', null, h('th', null, 'State'), h('th', { class: 'num' }, 'Commands'))),
    h(
      'tbody',
      null,
      rows.map(([key, n]) =>
        h(
          'tr',
          null,
          h(
            'td',
            null,
            h(
              'a',
              { href: routeHref('commands', undefined, { type, state: lifecycleOf(key) }) },
              key,
            ),
          ),
          h('td', { class: 'num', 'data-count-row': key }, n),
        ),
      ),
    ),
    h('tfoot', null, h('tr', null, h('td', null, 'All known'), h('td', { class: 'num' }, total))),
  );
}

/**
 * Machines: every Command type's chart with the number of Commands in each state, kept live from
 * the event stream. A click on a state lists its Commands.
 */
export function machinesView(root: HTMLElement, context: PageContext): () => void {
  const sections = h('div', { class: 'machines' }, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('h1', null, 'Machines'),
      h(
        'p',
        { class: 'lede' },
        'Every Command type is a state machine. The numbers are the Commands in each state now (finished ones while the node retains them), updated live.',
      ),
    ),
    sections,
  );
  const charts = new Map<string, { chart: MachineChart; table: HTMLElement }>();
  const counts = new LiveCounts(context.feed, api.node, (all) => {
    for (const [type, { chart, table }] of charts) {
      const byKey = all[type] ?? {};
      chart.setCounts(byKey);
      table.replaceChildren(countTable(type, byKey));
    }
  });
  let stopped = false;
  void (async () => {
    try {
      const types = await context.types();
      const drawn = await Promise.all(
        types.map(async (info) => ({ info, svg: await context.chartSvg(info.type) })),
      );
      if (stopped) return;
      replaceChildren(
        sections,
        drawn.map(({ info, svg }) => {
          const chart = new MachineChart(svg);
          chart.onStateClick((key) => {
            location.hash = routeHref('commands', undefined, {
              type: info.type,
              state: lifecycleOf(key),
            });
          });
          const table = h('div', { class: 'count-table' });
          charts.set(info.type, { chart, table });
          return h(
            'section',
            { class: 'panel machine', 'data-type': info.type },
            h(
              'header',
              { class: 'panel-head' },
              h('h2', null, info.type),
              h('span', { class: 'tag' }, info.kind === 'saga' ? 'saga' : 'code body'),
              h(
                'a',
                {
                  class: 'panel-link',
                  href: routeHref('commands', undefined, { type: info.type }),
                },
                'Commands →',
              ),
            ),
            h(
              'div',
              { class: 'machine-body' },
              chart.element,
              h('aside', { class: 'machine-side' }, typeFacts(info), h('h3', null, 'Now'), table),
            ),
          );
        }),
      );
      if (types.length === 0) replaceChildren(sections, h('p', null, 'This node runs no types.'));
      await counts.start();
    } catch (error) {
      if (!stopped) replaceChildren(sections, errorNotice(error));
    }
  })();
  return () => {
    stopped = true;
    counts.stop();
  };
}
