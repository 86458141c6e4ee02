import { api, type CommandSummary } from '../api-client.js';
import { h, replaceChildren } from '../element.js';
import { followLive } from '../follow-live.js';
import type { PageContext } from '../page-context.js';
import { type Route, routeHref } from '../route.js';
import { stateBadge } from '../state-badge.js';
import { dateTime, relative } from '../time-format.js';
import { defaultLimit, filterForm, filterNames, filterOf, pageSize } from './command-filters.js';
import { errorNotice } from './error-notice.js';

/** The cursors of the pages before this one, for "Newer"; kept while the filters stay the same. */
const earlier: { filters: string; cursors: string[] } = { filters: '', cursors: [] };

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
