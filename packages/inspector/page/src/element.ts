/** What `h` takes as children: nodes, text, nested lists; nullish and `false` are skipped. */
export type Child = Node | string | number | null | undefined | false | readonly Child[];

type Handler = (event: Event) => void;

/** Attributes (`class`, `data-*`, `aria-*`, ...), `on<event>` listeners, and DOM properties. */
export type Props = Readonly<
  Record<string, string | number | boolean | Handler | null | undefined>
>;

const propertyNames = new Set(['value', 'checked', 'disabled', 'selected']);

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(parent, c);
  } else if (child instanceof Node) {
    parent.appendChild(child);
  } else {
    parent.appendChild(document.createTextNode(String(child)));
  }
}

/**
 * Makes an element: the page's one way to build DOM, so text always goes in as text (never as
 * HTML). `onclick: fn` adds a listener; `value`, `checked`, `disabled` and `selected` set the
 * property; `false`/`null`/`undefined` leave an attribute out.
 *
 * @example
 * h('a', { href: '#/commands', class: 'nav' }, 'Commands')
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (propertyNames.has(name)) {
      (element as unknown as Record<string, unknown>)[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

/** Replaces everything in `parent` with `children`. */
export function replaceChildren(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}
