import type { ChartLayout, PlacedState, PlacedTransition } from './chart-layout.js';

function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function state({ state, x, y, width, height }: PlacedState): string {
  const id = escapeXml(state.id);
  const label = escapeXml(state.label);
  const attrs = `data-state="${id}" class="state ${state.type}"`;
  if (state.type === 'history') {
    const r = width / 2;
    return `<g ${attrs}><circle cx="${x + r}" cy="${y + r}" r="${r}"/><text x="${x + r}" y="${y + r + 4}" text-anchor="middle">${label}</text></g>`;
  }
  if (state.type === 'compound') {
    return `<g ${attrs}><rect x="${x}" y="${y}" width="${width}" height="${height}" rx="10"/><text class="title" x="${x + 12}" y="${y + 20}">${label}</text><text class="count" data-count-for="${id}" x="${x + width - 12}" y="${y + 20}" text-anchor="end"></text></g>`;
  }
  const inner =
    state.type === 'final'
      ? `<rect class="inner" x="${x + 3}" y="${y + 3}" width="${width - 6}" height="${height - 6}" rx="6"/>`
      : '';
  return `<g ${attrs}><rect x="${x}" y="${y}" width="${width}" height="${height}" rx="8"/>${inner}<text x="${x + 10}" y="${y + height / 2 + 4}">${label}</text><text class="count" data-count-for="${id}" x="${x + width - 8}" y="${y + height / 2 + 4}" text-anchor="end"></text></g>`;
}

function transition({ transition: t, points, label }: PlacedTransition): string {
  const d = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${p.x.toFixed(1)},${p.y.toFixed(1)}`)
    .join(' ');
  return `<g class="transition" data-transition="${escapeXml(t.id)}" data-event="${escapeXml(t.event)}" data-source="${escapeXml(t.source)}" data-target="${escapeXml(t.target)}"><path d="${d}" marker-end="url(#arrow)"/><text x="${label.x.toFixed(1)}" y="${label.y.toFixed(1)}" text-anchor="middle">${escapeXml(t.event)}</text></g>`;
}

const style = `
.state rect{fill:#fff;stroke:#475569;stroke-width:1.2}
.state.compound>rect{fill:#f8fafc;stroke-dasharray:4 3}
.state.final rect.inner{fill:none}
.state circle{fill:#fff;stroke:#475569}
.state text{font:12px system-ui,sans-serif;fill:#0f172a}
.state text.title{font-weight:600}
.state text.count{font-weight:700;fill:#2563eb}
.transition path{fill:none;stroke:#94a3b8;stroke-width:1.2}
.transition text{font:10px system-ui,sans-serif;fill:#64748b}
.state.active rect,.state.active circle{stroke:#2563eb;stroke-width:2.5}
.state.visited rect{fill:#dbeafe}
.transition.visited path{stroke:#2563eb;stroke-width:2}
`;

/**
 * The chart as a standalone SVG document. Every state is a `<g data-state="…">` (its id is the
 * state's path, as Command machine states name it) with an empty `<text data-count-for="…">` for
 * a live count; every transition a `<g data-transition="source:EVENT:target">`. Classes
 * `active` and `visited` on them highlight a Command's path (the page sets them).
 */
export function chartSvg(type: string, layout: ChartLayout): string {
  const width = Math.ceil(layout.width);
  const height = Math.ceil(layout.height);
  // Compound states first, so their children and the edges are drawn over them.
  const states = [...layout.states].sort((a, b) => a.depth - b.depth).map(state);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="machine" data-type="${escapeXml(type)}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">`,
    `<title>${escapeXml(type)}</title>`,
    `<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#94a3b8"/></marker><style>${style}</style></defs>`,
    ...states,
    ...layout.transitions.map(transition),
    '</svg>',
  ].join('\n');
}
