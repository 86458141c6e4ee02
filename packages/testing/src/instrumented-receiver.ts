/** Handles one call of a function reached through the receiver; `invoke` makes the real call. */
export type CallHandler = (
  target: string,
  args: readonly unknown[],
  invoke: () => unknown,
) => unknown;

/**
 * The receiver seen through a proxy: every function reached through it (`inventory.post`, or the
 * receiver itself when it is a function) is a service call that `handle` sees and may fail
 * instead of making. Nested objects are proxied alike; methods run with their own object as
 * `this`, so classes with private fields keep working. Anything else reads through unchanged.
 */
export function instrumentReceiver<Rcv>(receiver: Rcv, handle: CallHandler): Rcv {
  if (!isProxiable(receiver)) return receiver;
  // Per object and property, the member last seen and what stands for it (so identity holds).
  const made = new WeakMap<object, Map<string, { member: object; proxy: unknown }>>();
  const wrap = (value: object, path: string): unknown =>
    new Proxy(value, {
      get(target, property) {
        const member: unknown = Reflect.get(target, property, target);
        if (
          typeof property === 'symbol' ||
          !isProxiable(member) ||
          isObjectMethod(property, member)
        ) {
          return member;
        }
        let known = made.get(target);
        if (!known) {
          known = new Map();
          made.set(target, known);
        }
        const cached = known.get(property);
        if (cached?.member === member) return cached.proxy;
        const name = path === '' ? property : `${path}.${property}`;
        const proxy =
          typeof member === 'function'
            ? (...args: unknown[]) =>
                handle(name, args, () => Reflect.apply(member as () => unknown, target, args))
            : wrap(member, name);
        known.set(property, { member, proxy });
        return proxy;
      },
      apply(target, thisArg, args: unknown[]) {
        return handle(path || '(receiver)', args, () =>
          Reflect.apply(target as () => unknown, thisArg, args),
        );
      },
    });
  return wrap(receiver, '') as Rcv;
}

/** `toString`, `hasOwnProperty`, `constructor`...: plumbing, not service calls. */
function isObjectMethod(property: string, member: object): boolean {
  return (Object.prototype as unknown as Record<string, unknown>)[property] === member;
}

function isProxiable(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}
