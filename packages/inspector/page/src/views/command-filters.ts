import { type CommandFilter, type CommandTypeInfo, lifecycleStates } from '../api-client.js';
import { h } from '../element.js';
import { routeHref } from '../route.js';
import { fromLocalInput, localInputValue } from '../time-format.js';

const pageSizes = [25, 50, 100];
export const defaultLimit = 25;
export const filterNames = ['type', 'state', 'idPrefix', 'service', 'since', 'until'] as const;

/** The list's filters as the page's address holds them. */
export function filterOf(query: URLSearchParams): CommandFilter {
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

/** The filter form; `apply` gets the query the form now says. */
export function filterForm(
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

/** The page-size choice; the current size is offered even when it is not a standard one. */
export function pageSize(limit: number, change: (limit: number) => void): HTMLLabelElement {
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
