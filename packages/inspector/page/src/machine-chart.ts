import type { CommandPath } from './command-path.js';

let charts = 0;

/**
 * A Command type's chart (the SVG `GET /v1/types/{type}/chart` draws) placed in the page: its
 * states carry live counts, and a Command's path can be highlighted on it. The chart's own
 * stylesheet is dropped (an inline SVG's `<style>` would apply to the whole page): the page's
 * styles colour it, and the arrowhead takes each edge's colour.
 */
export class MachineChart {
  readonly element: HTMLDivElement;
  readonly svg: SVGSVGElement;
  readonly #counts = new Map<string, number>();

  constructor(svgText: string) {
    const parsed = new DOMParser().parseFromString(svgText, 'image/svg+xml');
    const svg = document.importNode(parsed.documentElement, true) as unknown as SVGSVGElement;
    for (const style of svg.querySelectorAll('style')) style.remove();
    // Marker ids must be unique in the page: one chart per view may be drawn several times.
    const marker = `arrow-${++charts}`;
    svg.querySelector('marker#arrow')?.setAttribute('id', marker);
    svg.querySelector(`marker#${marker} path`)?.setAttribute('fill', 'context-stroke');
    for (const path of svg.querySelectorAll('[marker-end]')) {
      path.setAttribute('marker-end', `url(#${marker})`);
    }
    // Drawn at its own size, narrower where the page is narrower.
    svg.removeAttribute('height');
    svg.setAttribute('role', 'img');
    this.svg = svg;
    this.element = document.createElement('div');
    this.element.className = 'chart';
    this.element.append(svg);
  }

  /** The chart's state keys (`data-state`), in drawing order. */
  get stateKeys(): string[] {
    return [...this.svg.querySelectorAll('[data-state]')].map(
      (g) => g.getAttribute('data-state') ?? '',
    );
  }

  /**
   * Shows how many Commands are in each state (`counts` by machine state key; absent is zero).
   * A compound state shows the sum of the states inside it.
   */
  setCounts(counts: Readonly<Record<string, number>>): void {
    const previous = new Map(this.#counts);
    this.#counts.clear();
    for (const [key, n] of Object.entries(counts)) if (n > 0) this.#counts.set(key, n);
    for (const text of this.svg.querySelectorAll('[data-count-for]')) {
      const key = text.getAttribute('data-count-for') ?? '';
      const group = text.closest('[data-state]');
      const n = this.#countOf(key, group?.classList.contains('compound') ?? false);
      const shown = n > 0 ? String(n) : '';
      if (text.textContent !== shown) {
        text.textContent = shown;
        if (n > (previous.get(key) ?? 0)) flash(group);
      }
      group?.classList.toggle('occupied', n > 0);
    }
  }

  /** Marks the states and transitions a Command went through, and the state it is in now. */
  highlight(path: CommandPath, finished: boolean): void {
    this.element.classList.add('path');
    this.element.classList.toggle('finished', finished);
    for (const g of this.svg.querySelectorAll('[data-state]')) {
      const key = g.getAttribute('data-state') ?? '';
      g.classList.toggle('visited', path.states.has(key));
      g.classList.toggle('active', key === path.current);
    }
    for (const g of this.svg.querySelectorAll('[data-transition]')) {
      g.classList.toggle('visited', path.transitions.has(g.getAttribute('data-transition') ?? ''));
    }
  }

  /** Calls `handler` with a state's key when it is clicked. */
  onStateClick(handler: (key: string) => void): void {
    this.element.classList.add('clickable');
    this.svg.addEventListener('click', (event) => {
      const group = (event.target as Element).closest('[data-state]');
      const key = group?.getAttribute('data-state');
      if (key && !group?.classList.contains('history')) handler(key);
    });
  }

  #countOf(key: string, compound: boolean): number {
    if (!compound) return this.#counts.get(key) ?? 0;
    let sum = 0;
    for (const [k, n] of this.#counts) if (k === key || k.startsWith(`${key}.`)) sum += n;
    return sum;
  }
}

function flash(group: Element | null): void {
  if (!group) return;
  group.classList.remove('changed');
  // Restart the animation: reading layout between removing and adding the class.
  void (group as SVGGraphicsElement).getBBox();
  group.classList.add('changed');
}
