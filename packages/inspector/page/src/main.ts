import { api } from './api-client.js';
import { h, replaceChildren } from './element.js';
import { type FeedStatus, LiveFeed } from './live-feed.js';
import { PageContext } from './page-context.js';
import { parseRoute, type Route } from './route.js';
import { badge } from './state-badge.js';
import { commandView } from './views/command-view.js';
import { commandsView } from './views/commands-view.js';
import { machinesView } from './views/machines-view.js';
import { nodeView } from './views/node-view.js';

type View = (root: HTMLElement, context: PageContext, route: Route) => () => void;

const views: Readonly<Record<string, { title: string; list: View; one?: View }>> = {
  machines: { title: 'Machines', list: machinesView },
  commands: { title: 'Commands', list: commandsView, one: commandView },
  node: { title: 'Node', list: nodeView },
};

const statusText: Readonly<Record<FeedStatus, string>> = {
  connecting: 'connecting',
  open: 'live',
  retrying: 'reconnecting',
};

function logo(): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('class', 'logo');
  svg.setAttribute('aria-hidden', 'true');
  svg.innerHTML =
    '<path d="M6 6h8a4 4 0 0 1 0 8H10a4 4 0 0 0 0 8h8" fill="none" stroke="currentColor" stroke-width="2"/><circle cx="6" cy="6" r="2.6" fill="#60a5fa"/><circle cx="18" cy="22" r="2.6" fill="#34d399"/>';
  return svg;
}

function start(): void {
  const feed = new LiveFeed();
  const context = new PageContext(feed);
  const nav = h(
    'nav',
    { class: 'nav', 'aria-label': 'Views' },
    Object.entries(views).map(([name, view]) =>
      h('a', { href: `#/${name}`, 'data-view': name }, view.title),
    ),
  );
  const nodeId = h('span', { class: 'node-id mono' });
  const suspension = h('span', { class: 'suspension' });
  const live = h('span', { class: 'live', 'data-live': feed.status }, statusText[feed.status]);
  const main = h('main', { id: 'view' });
  replaceChildren(
    document.body,
    h(
      'header',
      { class: 'topbar' },
      h(
        'a',
        { class: 'brand', href: '#/machines' },
        logo(),
        'coordinator',
        h('span', null, 'inspector'),
      ),
      nav,
      h('div', { class: 'node-meta' }, nodeId, suspension, live),
    ),
    main,
  );

  const readNode = async () => {
    try {
      const node = await api.node();
      nodeId.textContent = node.nodeId;
      nodeId.title = `Node ${node.nodeId}`;
      replaceChildren(suspension, node.suspension === 'accepting' ? '' : badge(node.suspension));
    } catch {
      nodeId.textContent = '';
    }
  };
  feed.on('status', (status) => {
    live.dataset.live = status;
    live.textContent = statusText[status];
    if (status === 'open') void readNode();
  });
  feed.on('node', (change) => {
    if (change.kind === 'suspension') void readNode();
  });

  let leave: (() => void) | undefined;
  const route = () => {
    leave?.();
    const current = parseRoute(location.hash);
    const view = views[current.view];
    for (const link of nav.querySelectorAll('a')) {
      link.classList.toggle('current', link.dataset.view === current.view);
    }
    const render = current.id === undefined ? view?.list : view?.one;
    if (!view || !render) {
      document.title = 'coordinator';
      replaceChildren(
        main,
        h('h1', null, 'Not found'),
        h('p', null, h('a', { href: '#/machines' }, 'Machines')),
      );
      leave = undefined;
      return;
    }
    document.title = `${current.id ?? view.title} · coordinator`;
    window.scrollTo(0, 0);
    leave = render(main, context, current);
  };
  window.addEventListener('hashchange', route);
  route();
  void readNode();
}

start();
