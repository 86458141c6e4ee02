import type { CommandSummary } from './api-client.js';
import { h } from './element.js';

/**
 * What a Command's badge says: its lifecycle state, except that a done Command reads `failed`
 * (or `cancelled`) when it ended with an error, and an executing one `compensating` while it runs
 * compensations.
 */
function stateLabel(command: CommandSummary & { readonly step?: string }): string {
  if (command.state === 'done') {
    if (command.error?.code === 'CANCELLED') return 'cancelled';
    return command.error ? 'failed' : 'done';
  }
  if (command.state === 'executing' && command.step?.startsWith('compensate')) {
    return 'compensating';
  }
  return command.state;
}

/** A coloured pill for a state (`data-state` carries it for styles and tests). */
export function badge(label: string, title?: string): HTMLSpanElement {
  return h('span', { class: `badge tone-${label}`, 'data-badge': label, title }, label);
}

export function stateBadge(command: CommandSummary & { readonly step?: string }): HTMLSpanElement {
  return badge(stateLabel(command));
}
