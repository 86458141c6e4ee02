import {
  api,
  type CommandFilter,
  type CommandSummary,
  type CommandTypeInfo,
  lifecycleStates,
} from '../api-client.js';
import { h, replaceChildren } from '../element.js';
import { followLive } from '../follow-live.js';
import type { PageContext } from '../page-context.js';
import { type Route, routeHref } from '../route.js';
import { stateBadge } from '../state-badge.js';
import { dateTime, fromLocalInput, localInputValue, relative } from '../time-format.js';
import { errorNotice } from './error-notice.js';

const pageSizes = [25, 50, 100];
const defaultLimit = 25;
const filterNames = ['type', 'state', 'idPrefix', 'service', 'since', 'until'] as const;

/** The cursors of the pages before this one, for "Newer"; kept while the filters stay the same. */
const earlier: { filters: string; cursors: string[] } = { filters: '', cursors: [] };

function filterOf(query: URLSearchParams): CommandFilter {
  const text = (name: string) => query.get(name) ?? undefined;
  const number = (name: string) => {
    const value = Number(query.get(name) ?? Number.NaN);
    return Number.isFinite(value) ? value : undefined;
  };
  return {
    type: text('type'),
    state: text('state'),
    idPrefix: text('idPrefix'),
    service: text('service'),
    since: number('since'),
    until: number('until'),
    limit: number('limit') ?? defaultLimit,
    after: text('after'),
  };
}

function select(
  name: string,
  label: string,
  options: readonly string[],
  value: string | undefined,
): HTMLLabelElement {
  return h(
    'label',
    null,
    label,
    h(
      'select',
      { name },
      h('option', { value: '' }, 'any'),
      options.map((option) => h('option', { value: option, selected: option === value }, option)),
    ),
  );
}

function filterForm(
  filter: CommandFilter,
  types: readonly CommandTypeInfo[],
  apply: (query: Record<string, string>) => void,
): HTMLFormElement {
  const services = [...new Set(types.flatMap((t) => t.services))].sort();
  const form = h(
    'form',
    { class: 'filters panel', 'aria-label': 'Filters' },
    select(
      'type',
      'Type',
      types.map((t) => t.type),
      filter.type,
    ),
    select('state', 'State', lifecycleStates, filter.state),
    h(
      'label',
      null,
      'Id starts with',
      h('input', {
        name: 'idPrefix',
        type: 'search',
        value: filter.idPrefix ?? '',
        placeholder: 'order-',
        autocomplete: 'off',
        spellcheck: 'false',
      }),
    ),
    select('service', 'Calls service', services, filter.service),
    h(
      'label',
      null,
      'Accepted from',
      h('input', {
        name: 'since',
        type: 'datetime-local',
        step: 1,
        value: filter.since === undefined ? '' : localInputValue(filter.since),
      }),
    ),
    h(
      'label',
      null,
      'Accepted before',
      h('input', {
        name: 'until',
        type: 'datetime-local',
        step: 1,
        value: filter.until === undefined ? '' : localInputValue(filter.until),
      }),
    ),
    h(
      'div',
      { class: 'filter-actions' },
      h('button', { class: 'button primary', type: 'submit' }, 'Apply'),
      h('a', { class: 'button', href: routeHref('commands') }, 'Clear'),
    ),
  );
  const read = () => {
    const data = new FormData(form);
    const query: Record<string, string> = {};
    for (const name of filterNames) {
      const value = String(data.get(name) ?? '').trim();
      if (value === '') continue;
      if (name === 'since' || name === 'until') {
        const ms = fromLocalInput(value);
        if (ms !== undefined) query[name] = String(ms);
      } else {
        query[name] = value;
      }
    }
    if (filter.limit !== defaultLimit) query.limit = String(filter.limit);
    return query;
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    apply(read());
  });
  form.addEventListener('change', (event) => {
    if ((event.target as HTMLElement).tagName === 'SELECT') apply(read());
  });
  return form;
}

function pageSize(limit: number, change: (limit: number) => void): HTMLLabelElement {
  const sizes = pageSizes.includes(limit) ? pageSizes : [...pageSizes, limit].sort((a, b) => a - b);
  return h(
    'label',
    { class: 'page-size muted' },
    'Per page ',
    h(
      'select',
      {
        name: 'limit',
        onchange: (event) => change(Number((event.target as HTMLSelectElement).value)),
      },
      sizes.map((n) => h('option', { value: n, selected: n === limit }, n)),
    ),
  );
}

function stepsDone(command: CommandSummary): HTMLElement | string {
  if (command.outcomes.length === 0) return h('span', { class: 'muted' }, '–');
  return h(
    'span',
    { class: 'steps-done' },
    command.outcomes.map((o, i) => [
      i > 0 && h('span', { class: 'arrow' }, ' → '),
      h('span', { class: o.step.startsWith('compensate') ? 'compensation' : undefined }, o.step),
    ]),
  );
}

function errorCell(command: CommandSummary): HTMLElement | string {
  const error = command.error ?? command.lastError;
  if (!error) return '';
  return h(
    'span',
    { class: command.error ? 'error-text' : 'muted', title: error.message },
    h('code', null, error.code),
    ' ',
    h('span', { class: 'clip' }, error.message),
  );
}

function row(command: CommandSummary, now: number): HTMLTableRowElement {
  return h(
    'tr',
    { 'data-command': command.id },
    h(
      'td',
      null,
      h('a', { class: 'mono nowrap', href: routeHref('commands', command.id) }, command.id),
    ),
    h('td', null, command.type),
    h(
      'td',
      null,
      stateBadge(command),
      command.cancelled && command.state !== 'done' && h('span', { class: 'tag' }, 'cancelling'),
    ),
    h('td', { class: 'nowrap' }, stepsDone(command)),
    h('td', { class: 'num' }, command.attempts),
    h('td', { class: 'error-col' }, errorCell(command)),
    h(
      'td',
      { class: 'nowrap' },
      command.nextRetryAt === undefined ? '' : relative(command.nextRetryAt, now),
    ),
    h('td', { class: 'nowrap', title: dateTime(command.acceptedAt) }, dateTime(command.acceptedAt)),
    h('td', { class: 'nowrap muted' }, relative(command.updatedAt, now)),
  );
}

/**
 * Commands: a page of the node's Commands (unfinished first, newest first) with filters by type,
 * state, id prefix, service and time, kept in the address so a view can be shared; "Older" and
 * "Newer" page through. The page reloads itself as Commands change.
 */
export function commandsView(root: HTMLElement, context: PageContext, route: Route): () => void {
  const filter = filterOf(route.query);
  const { after, ...filters } = filter;
  const signature = JSON.stringify(filters);
  if (earlier.filters !== signature || after === undefined) {
    earlier.filters = signature;
    earlier.cursors = [];
  }
  const go = (query: Record<string, string | undefined>) => {
    location.hash = routeHref('commands', undefined, query);
  };
  const current = Object.fromEntries(
    [...filterNames, 'limit']
      .map((name) => [name, route.query.get(name) ?? undefined] as const)
      .filter(([, value]) => value !== undefined),
  ) as Record<string, string>;
  const results = h('div', { class: 'results panel' }, h('p', { class: 'muted pad' }, 'Loading…'));
  const formSlot = h('div');
  replaceChildren(
    root,
    h(
      'div',
      { class: 'view-head' },
      h('h1', null, 'Commands'),
      h(
        'p',
        { class: 'lede' },
        'Unfinished Commands first, then the finished ones the node retains; newest first.',
      ),
    ),
    formSlot,
    results,
  );

  let stopped = false;
  const load = async () => {
    try {
      const page = await api.commands(filter);
      if (stopped) return;
      const now = Date.now();
      const older = page.next;
      replaceChildren(
        results,
        page.commands.length === 0
          ? h('p', { class: 'empty' }, 'No Commands match these filters.')
          : h(
              'table',
              { class: 'table commands' },
              h(
                'thead',
                null,
                h(
                  'tr',
                  null,
                  ['Command', 'Type', 'State', 'Steps done', 'Attempts', 'Error', 'Next retry'].map(
                    (title) => h('th', { class: title === 'Attempts' ? 'num' : undefined }, title),
                  ),
                  h('th', null, 'Accepted'),
                  h('th', null, 'Updated'),
                ),
              ),
              h(
                'tbody',
                null,
                page.commands.map((command) => row(command, now)),
              ),
            ),
        h(
          'nav',
          { class: 'pager', 'aria-label': 'Pages' },
          h(
            'span',
            { class: 'muted' },
            `${page.commands.length} shown`,
            earlier.cursors.length > 0 && ` · page ${earlier.cursors.length + 1}`,
          ),
          pageSize(filter.limit ?? defaultLimit, (limit) =>
            go({ ...current, limit: limit === defaultLimit ? undefined : String(limit) }),
          ),
          h(
            'button',
            {
              class: 'button',
              type: 'button',
              'data-page': 'newer',
              disabled: after === undefined,
              onclick: () => {
                const cursor = earlier.cursors.pop();
                go({ ...current, after: cursor === '' ? undefined : cursor });
              },
            },
            '← Newer',
          ),
          h(
            'button',
            {
              class: 'button',
              type: 'button',
              'data-page': 'older',
              disabled: older === undefined,
              onclick: () => {
                earlier.cursors.push(after ?? '');
                go({ ...current, after: older });
              },
            },
            'Older →',
          ),
        ),
      );
    } catch (error) {
      if (!stopped) replaceChildren(results, errorNotice(error));
    }
  };

  void context
    .types()
    .then((types) => {
      if (!stopped)
        replaceChildren(
          formSlot,
          filterForm(filter, types, (query) => go(query)),
        );
    })
    .catch((error: unknown) => replaceChildren(formSlot, errorNotice(error)));
  void load();
  const unfollow = followLive(
    context.feed,
    { command: (event) => filter.type === undefined || event.type === filter.type },
    () => void load(),
    1000,
  );
  return () => {
    stopped = true;
    unfollow();
  };
}
