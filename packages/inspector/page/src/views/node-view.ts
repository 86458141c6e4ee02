import { api, type NodeInspection, type PartitionInfo, type PeerInfo } from '../api-client.js';
import { h, replaceChildren } from '../element.js';
import { followLive } from '../follow-live.js';
import type { PageContext } from '../page-context.js';
import { routeHref } from '../route.js';
import { badge } from '../state-badge.js';
import { clockTime, dateTime, relative } from '../time-format.js';
import { errorNotice } from './error-notice.js';

const count = (n: number) => n.toLocaleString('en-US');

const suspensionText: Readonly<Record<string, string>> = {
  accepting: 'Accepting new Commands',
  'suspended-slow': 'Suspended: a service is blocked; waiting Commands retry at the slow interval',
  'suspended-fast':
    'Suspended, recovering: a retry succeeded; waiting Commands retry at the fast interval',
};

function meter(value: number, max: number): HTMLElement {
  const share = max > 0 ? Math.min(1, value / max) : 0;
  return h(
    'div',
    { class: 'meter', role: 'meter', 'aria-valuenow': value, 'aria-valuemax': max },
    h('div', { class: `meter-fill${share > 0.9 ? ' high' : ''}`, style: `width:${share * 100}%` }),
  );
}

function partitionTiles(partitions: readonly PartitionInfo[]): HTMLElement {
  if (partitions.length === 0) return h('p', { class: 'muted' }, 'No partitions owned.');
  return h(
    'ul',
    { class: 'partitions' },
    partitions.map((p) => {
      const behind = Math.max(0, p.end - p.checkpoint);
      return h(
        'li',
        {
          'data-partition': p.partition,
          title: `Partition ${p.partition}: checkpoint ${p.checkpoint}, log end ${p.end}`,
        },
        h('strong', null, p.partition),
        h('span', { class: 'mono' }, `${p.checkpoint} → ${p.end}`),
        h('span', { class: behind > 0 ? 'behind' : 'muted' }, `${count(behind)} to replay`),
      );
    }),
  );
}

function suspensionPanel(node: NodeInspection, now: number): HTMLElement {
  return h(
    'section',
    { class: 'panel stat', 'data-panel': 'suspension' },
    h('h2', null, 'Suspension'),
    h('p', null, badge(node.suspension)),
    h('p', { class: 'muted' }, suspensionText[node.suspension] ?? node.suspension),
    node.suspendedSince !== undefined &&
      h(
        'p',
        null,
        'Since ',
        dateTime(node.suspendedSince),
        h('span', { class: 'muted' }, ` (${relative(node.suspendedSince, now)})`),
      ),
    node.blocked.length > 0 &&
      h(
        'table',
        { class: 'table compact blocked' },
        h('thead', null, h('tr', null, h('th', null, 'Blocked service'), h('th', null, 'Since'))),
        h(
          'tbody',
          null,
          node.blocked.map((b) =>
            h(
              'tr',
              { 'data-blocked': b.service },
              h('td', null, h('strong', null, b.service)),
              h(
                'td',
                { class: 'nowrap' },
                clockTime(b.since),
                h('span', { class: 'muted' }, ` (${relative(b.since, now)})`),
              ),
            ),
          ),
        ),
      ),
  );
}

function loadPanel(node: NodeInspection): HTMLElement {
  return h(
    'section',
    { class: 'panel stat', 'data-panel': 'load' },
    h('h2', null, 'Load'),
    h(
      'p',
      { class: 'figure' },
      h('strong', { 'data-figure': 'in-flight' }, count(node.inFlight)),
      h('span', { class: 'muted' }, ` in flight, of maxCmds ${count(node.maxCmds)}`),
    ),
    meter(node.inFlight, node.maxCmds),
    h(
      'p',
      { class: 'figure' },
      h('strong', { 'data-figure': 'waiting' }, count(node.waiting)),
      h('span', { class: 'muted' }, ' waiting to retry (delayed or blocked)'),
    ),
  );
}

function retryPanel(node: NodeInspection, now: number): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'data-panel': 'retries' },
    h('h2', null, 'Next retries'),
    node.nextRetries.length === 0
      ? h('p', { class: 'muted' }, 'No Command is waiting to retry.')
      : h(
          'table',
          { class: 'table compact' },
          h('thead', null, h('tr', null, h('th', null, 'Command'), h('th', null, 'Due'))),
          h(
            'tbody',
            null,
            node.nextRetries.map((r) =>
              h(
                'tr',
                null,
                h('td', null, h('a', { class: 'mono', href: routeHref('commands', r.id) }, r.id)),
                h(
                  'td',
                  { class: 'nowrap' },
                  clockTime(r.at),
                  h('span', { class: 'muted' }, ` (${relative(r.at, now)})`),
                ),
              ),
            ),
          ),
        ),
  );
}

function peerRow(peer: PeerInfo, self: boolean): HTMLTableRowElement {
  const partitions = [...(peer.partitions ?? [])].map((p) => p.partition).sort((a, b) => a - b);
  return h(
    'tr',
    self ? { 'data-self': '' } : { 'data-peer': peer.address },
    h('td', null, peer.nodeId ?? '?', self && h('span', { class: 'tag' }, 'this node')),
    h('td', { class: 'mono' }, peer.address),
    h(
      'td',
      null,
      peer.reachable
        ? badge(peer.suspension ?? 'accepting')
        : badge('unreachable', peer.error?.message),
    ),
    h('td', { class: 'mono', 'data-partitions': '' }, partitions.join(', ') || '–'),
    h('td', { class: 'num' }, peer.inFlight ?? ''),
    h('td', { class: 'num' }, peer.waiting ?? ''),
  );
}

/** In a cluster: every node, this one first, with the partitions each owns. */
function clusterPanel(node: NodeInspection, peers: readonly PeerInfo[]): HTMLElement {
  return h(
    'section',
    { class: 'panel', 'data-panel': 'peers' },
    h('h2', null, 'Cluster'),
    h(
      'p',
      { class: 'muted' },
      'Which node owns which partitions. Any node answers for any Command: it asks the owner.',
    ),
    h(
      'table',
      { class: 'table compact peers' },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          ['Node', 'Address', 'State', 'Partitions'].map((t) => h('th', null, t)),
          h('th', { class: 'num' }, 'In flight'),
          h('th', { class: 'num' }, 'Waiting'),
        ),
      ),
      h(
        'tbody',
        null,
        peerRow({ ...node, address: location.host, reachable: true }, true),
        peers.map((peer) => peerRow(peer, false)),
      ),
    ),
  );
}

/**
 * Node: whether it takes new Commands (suspension, since when, the blocked services), its load
 * against maxCmds, the retries due next, its partitions, and in a cluster its peers. Follows the
 * live events.
 */
export function nodeView(root: HTMLElement, context: PageContext): () => void {
  const content = h('div', null, h('p', { class: 'muted' }, 'Loading…'));
  const title = h('h1', null, 'Node');
  const readiness = h('span');
  replaceChildren(root, h('div', { class: 'view-head row' }, title, readiness), content);
  let stopped = false;
  let node: NodeInspection | undefined;
  const render = () => {
    if (!node) return;
    const now = Date.now();
    title.textContent = `Node ${node.nodeId}`;
    replaceChildren(readiness, node.ready ? badge('ready') : badge('recovering'));
    replaceChildren(
      content,
      h(
        'div',
        { class: 'stats' },
        suspensionPanel(node, now),
        loadPanel(node),
        retryPanel(node, now),
      ),
      h(
        'section',
        { class: 'panel', 'data-panel': 'partitions' },
        h('h2', null, 'Partitions'),
        h(
          'p',
          { class: 'muted' },
          'The partitions of the log this node owns: checkpoint → log end, and the records a restart would replay from the checkpoint.',
        ),
        partitionTiles(node.partitions),
      ),
      node.peers && node.peers.length > 0 && clusterPanel(node, node.peers),
    );
  };
  const load = async () => {
    try {
      node = await api.node();
      if (!stopped) render();
    } catch (error) {
      if (!stopped) replaceChildren(content, errorNotice(error));
    }
  };
  const unfollow = followLive(
    context.feed,
    { command: () => true, node: true },
    () => void load(),
    1000,
  );
  // Relative times ("in 3 s") move on by themselves; the figures come from the events.
  const ticker = setInterval(() => {
    if (node && (node.nextRetries.length > 0 || node.suspendedSince !== undefined)) render();
  }, 1000);
  void load();
  return () => {
    stopped = true;
    unfollow();
    clearInterval(ticker);
  };
}
