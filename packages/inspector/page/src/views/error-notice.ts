import { ApiError } from '../api-client.js';
import { h } from '../element.js';

/** What a view shows when the node could not answer it. */
export function errorNotice(error: unknown): HTMLElement {
  if (error instanceof ApiError) {
    return h(
      'div',
      { class: 'notice error', role: 'alert' },
      h('strong', null, error.code),
      ' ',
      error.message,
      error.status === 401 && h('span', null, ' (reload the page to sign in again)'),
    );
  }
  return h(
    'div',
    { class: 'notice error', role: 'alert' },
    h('strong', null, 'The node did not answer'),
    ' ',
    error instanceof Error ? error.message : String(error),
  );
}
