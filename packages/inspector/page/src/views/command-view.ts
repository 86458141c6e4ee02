import { ApiError, api, type CommandDetail } from '../api-client.js';
import { commandPath } from '../command-path.js';
import { h, replaceChildren } from '../element.js';
import { followLive } from '../follow-live.js';
import { json } from '../json-text.js';
import { MachineChart } from '../machine-chart.js';
import type { PageContext } from '../page-context.js';
import { type Route, routeHref } from '../route.js';
import { stateBadge } from '../state-badge.js';
import { dateTime, relative } from '../time-format.js';
import { commandTimeline } from './command-timeline.js';
import { errorNotice } from './error-notice.js';

function fact(name: string, ...value: (Node | string | false | undefined)[]): HTMLElement[] {
  return [h('dt', null, name), h('dd', null, ...value)];
}

function facts(command: CommandDetail, now: number): HTMLElement {
  const error = command.error ?? command.lastError;
  return h(
    'dl',
    { class: 'facts' },
    fact('Type', h('a', { href: routeHref('machines') }, command.type)),
    fact(
      'State',
      stateBadge(command),
      command.cancelled ? h('span', { class: 'tag' }, 'cancelled by an operator') : undefined,
    ),
    fact(
      'Step',
      command.state === 'done' ? h('span', { class: 'muted' }, '–') : h('code', null, command.step),
    ),
    fact('Attempts', String(command.attempts)),
    fact('Partition', String(command.partition)),
    fact('Accepted', dateTime(command.acceptedAt)),
    fact(
      'Updated',
      dateTime(command.updatedAt),
      h('span', { class: 'muted' }, ` (${relative(command.updatedAt, now)})`),
    ),
    command.nextRetryAt !== undefined &&
      fact(
        'Next retry',
        dateTime(command.nextRetryAt),
        h('span', { class: 'muted' }, ` (${relative(command.nextRetryAt, now)})`),
      ),
    error !== undefined &&
      fact(
        command.error ? 'Error' : 'Last error',
        h('code', { class: 'error-code' }, error.code),
        h('div', { class: 'error-message' }, error.message),
      ),
  );
}

/**
 * One Command: its path through its machine highlighted on the chart, its timeline, payload and
 * result, and the operator's actions (retry now, cancel), whose refusals are shown as the node
 * gives them. Follows the Command live.
 */
export function commandView(root: HTMLElement, context: PageContext, route: Route): () => void {
  const id = route.id ?? '';
  const notice = h('div', { class: 'action-notice', role: 'status', 'aria-live': 'polite' });
  const retryButton = h(
    'button',
    { class: 'button', type: 'button', 'data-action': 'retry' },
    'Retry now',
  );
  const cancelButton = h(
    'button',
    { class: 'button danger', type: 'button', 'data-action': 'cancel' },
    'Cancel',
  );
  const badges = h('span', { class: 'head-badges' });
  const body = h('div', { class: 'command-body' }, h('p', { class: 'muted' }, 'Loading…'));
  replaceChildren(
    root,
    h('p', { class: 'crumbs' }, h('a', { href: routeHref('commands') }, 'Commands'), ' / '),
    h(
      'div',
      { class: 'view-head row' },
      h('h1', { class: 'mono' }, id),
      badges,
      h('div', { class: 'actions' }, retryButton, cancelButton),
    ),
    notice,
    body,
  );

  let stopped = false;
  let chart: MachineChart | undefined;
  let shown: CommandDetail | undefined;

  const render = (command: CommandDetail) => {
    shown = command;
    const path = commandPath(command.events);
    const finished = command.state === 'done';
    chart?.highlight(path, finished);
    replaceChildren(badges, stateBadge(command));
    retryButton.disabled = command.state !== 'delayed' && command.state !== 'blocked';
    retryButton.title = retryButton.disabled
      ? 'Only a delayed or blocked Command can be retried now'
      : 'Run its next attempt now';
    cancelButton.disabled = finished || command.cancelled === true;
    cancelButton.title = finished
      ? 'It is done'
      : command.cancelled
        ? 'Cancelled already: it ends at its next step boundary'
        : 'Compensate its completed steps and end it with CANCELLED';
    const now = Date.now();
    const outcome =
      command.error !== undefined
        ? h(
            'section',
            { class: 'panel' },
            h('h2', null, 'Error'),
            h('pre', { class: 'json', 'data-field': 'error' }, json(command.error)),
          )
        : finished
          ? h(
              'section',
              { class: 'panel' },
              h('h2', null, 'Result'),
              h('pre', { class: 'json', 'data-field': 'result' }, json(command.result)),
            )
          : undefined;
    const side = h(
      'div',
      { class: 'command-side' },
      h('section', { class: 'panel' }, h('h2', null, 'Command'), facts(command, now)),
      h(
        'section',
        { class: 'panel' },
        h('h2', null, 'Payload'),
        h('pre', { class: 'json', 'data-field': 'payload' }, json(command.payload)),
      ),
      outcome,
    );
    replaceChildren(
      body,
      h(
        'div',
        { class: 'command-grid' },
        h(
          'section',
          { class: 'panel chart-panel' },
          h('h2', null, 'Path'),
          chart?.element ?? h('p', { class: 'muted' }, 'No chart for this type.'),
          !path.complete &&
            h(
              'p',
              { class: 'muted' },
              'Part of the timeline was recorded before nodes kept the state of each record: its path is not drawn.',
            ),
          h(
            'p',
            { class: 'legend muted' },
            h('span', { class: 'key visited' }),
            ' visited ',
            h('span', { class: 'key active' }),
            ' now',
          ),
        ),
        side,
      ),
      h('section', { class: 'panel' }, h('h2', null, 'Timeline'), commandTimeline(command, path)),
    );
  };

  const load = async () => {
    try {
      const command = await api.command(id);
      if (stopped) return;
      if (!chart) {
        const svg = await context.chartSvg(command.type);
        if (stopped) return;
        chart = new MachineChart(svg);
      }
      render(command);
    } catch (error) {
      if (!stopped) replaceChildren(body, errorNotice(error));
    }
  };

  const act = async (action: 'retry' | 'cancel') => {
    if (action === 'cancel' && !confirm(`Cancel ${id}? Its completed steps are compensated.`))
      return;
    retryButton.disabled = true;
    cancelButton.disabled = true;
    try {
      const command = action === 'retry' ? await api.retryNow(id) : await api.cancel(id);
      replaceChildren(
        notice,
        h(
          'div',
          { class: 'notice ok', 'data-outcome': 'done' },
          action === 'retry'
            ? 'Retry now: its next attempt is running.'
            : 'Cancelled: it compensates and ends with CANCELLED.',
        ),
      );
      if (!stopped) render(command);
    } catch (error) {
      replaceChildren(
        notice,
        h(
          'div',
          { class: 'notice error', role: 'alert', 'data-outcome': 'refused' },
          h('strong', null, action === 'retry' ? 'Retry now refused' : 'Cancel refused'),
          error instanceof ApiError
            ? [' (', h('code', null, error.code), '): ', error.message]
            : `: ${String(error)}`,
        ),
      );
      if (shown && !stopped) render(shown);
    }
  };
  retryButton.addEventListener('click', () => void act('retry'));
  cancelButton.addEventListener('click', () => void act('cancel'));

  const unfollow = followLive(
    context.feed,
    { command: (event) => event.id === id },
    () => void load(),
    150,
  );
  void load();
  return () => {
    stopped = true;
    unfollow();
  };
}
