/** Where the page is: `#/<view>/<id>?<query>`. */
export interface Route {
  readonly view: string;
  readonly id: string | undefined;
  readonly query: URLSearchParams;
}

/** The route a location hash names (`#/commands/abc?x=1`); the Machines view when empty. */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, '');
  const [path = '', query = ''] = text.split(/\?(.*)/s);
  const [view = '', ...rest] = path.split('/');
  const id = rest.length > 0 ? decodeURIComponent(rest.join('/')) : undefined;
  return { view: view || 'machines', id, query: new URLSearchParams(query) };
}

/** The hash of a route: `href` for links. */
export function routeHref(
  view: string,
  id?: string,
  query?: Readonly<Record<string, string | number | undefined>>,
): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== '') params.set(name, String(value));
  }
  const search = params.size > 0 ? `?${params}` : '';
  return `#/${view}${id === undefined ? '' : `/${encodeURIComponent(id)}`}${search}`;
}
