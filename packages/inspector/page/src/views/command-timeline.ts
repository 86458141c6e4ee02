import type { CommandDetail } from '../api-client.js';
import type { CommandPath } from '../command-path.js';
import { stateName } from '../command-path.js';
import { h } from '../element.js';
import { compact, json } from '../json-text.js';
import { clockTime, dateTime, duration } from '../time-format.js';

/** The timeline: one row per record, with the state change the chart shows for it. */
export function commandTimeline(command: CommandDetail, path: CommandPath): HTMLElement {
  let attempt = 0;
  let outcomeIndex = 0;
  const rows = command.events.map((entry, i) => {
    if (entry.kind === 'started' || entry.kind === 'retried') attempt += 1;
    const step = path.steps[i];
    const outcome =
      entry.kind === 'outcome' ? command.outcomes[outcomeIndex++]?.outcome : undefined;
    const moved = step !== undefined && step.fromKey !== step.key;
    return h(
      'tr',
      { 'data-record': entry.kind, class: entry.code ? 'has-error' : undefined },
      h(
        'td',
        { class: 'nowrap mono', title: dateTime(entry.at) },
        clockTime(entry.at, true),
        h('span', { class: 'muted offset' }, `+${duration(entry.at - command.acceptedAt)}`),
      ),
      h(
        'td',
        null,
        h('span', { class: `record record-${entry.kind}` }, entry.kind),
        entry.by && h('span', { class: 'tag' }, `by ${entry.by}`),
      ),
      h(
        'td',
        { class: 'change' },
        moved
          ? [
              h('span', { class: 'state-name', title: step.fromKey }, stateName(step.fromKey)),
              h('span', { class: 'arrow' }, '\u00a0→ '),
              h('span', { class: 'state-name', title: step.key }, stateName(step.key)),
            ]
          : h('span', { class: 'muted' }, '–'),
      ),
      h('td', null, entry.step ?? ''),
      h('td', { class: 'num' }, attempt > 0 ? attempt : ''),
      h(
        'td',
        null,
        outcome !== undefined &&
          h(
            'details',
            { class: 'outcome' },
            h('summary', { class: 'mono' }, compact(outcome)),
            h('pre', { class: 'json' }, json(outcome)),
          ),
      ),
      h(
        'td',
        { class: 'error-col' },
        entry.code && [h('code', { class: 'error-code' }, entry.code), ' ', entry.message ?? ''],
      ),
    );
  });
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      { class: 'table timeline' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Time', 'Record', 'State change', 'Step', 'Attempt', 'Outcome', 'Error'].map((title) =>
            h('th', { class: title === 'Attempt' ? 'num' : undefined }, title),
          ),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}
