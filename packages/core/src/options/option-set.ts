import { CoordinatorError } from '../errors.js';
import { invalidOption, type Option, type OptionSource, type Presence } from './option.js';

export type OptionSpecs = { readonly [name: string]: Option<unknown, Presence, unknown> };

type Simplify<T> = { [K in keyof T]: T[K] } & {};
type ValueOf<O> = O extends { readonly default: infer T } ? Exclude<T, undefined> : never;
type Present<S, K extends keyof S, P extends Presence> = S[K] extends { readonly presence: P }
  ? K
  : never;

/** What `resolve` returns: every option with a value or a default is present. */
type Resolved<S extends OptionSpecs> = Simplify<
  { readonly [K in keyof S as Present<S, K, 'required' | 'defaulted'>]: ValueOf<S[K]> } & {
    readonly [K in keyof S as Present<S, K, 'optional'>]?: ValueOf<S[K]>;
  }
>;

/** What `resolve` takes: the required options, any others; `undefined` counts as not given. */
type Input<S extends OptionSpecs> = Simplify<
  { readonly [K in keyof S as Present<S, K, 'required'>]: ValueOf<S[K]> } & {
    readonly [K in keyof S as Present<S, K, 'defaulted' | 'optional'>]?: ValueOf<S[K]> | undefined;
  }
>;

/** The resolved options of a declaration: `type DriverOptions = OptionsOf<typeof driverOptions>`. */
export type OptionsOf<D> = D extends OptionSet<infer S> ? Resolved<S> : never;
/** What a declaration's `resolve` takes. */
export type OptionsInput<D> = D extends OptionSet<infer S> ? Input<S> : never;

/** Values from one source; later layers win. */
export interface OptionLayer {
  readonly source?: OptionSource;
  readonly values: Readonly<Record<string, unknown>>;
}

/** A cross-option rule's verdict: which option is wrong and what it should be. */
export interface OptionViolation<S> {
  readonly option: keyof S & string;
  readonly expected: string;
}

const textSources: ReadonlySet<OptionSource | undefined> = new Set(['environment', 'flags']);

/** `maxCmds` → `COORDINATOR_MAX_CMDS`. */
export function envName(option: string): string {
  return `COORDINATOR_${option.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/** A component's declared options (see {@link defineOptions}). */
export class OptionSet<S extends OptionSpecs> {
  readonly owner: string;
  readonly options: S;
  /** The defaults, one frozen object. */
  readonly defaults: { readonly [K in keyof S as Present<S, K, 'defaulted'>]: ValueOf<S[K]> };
  /** Each option's environment variable. */
  readonly env: { readonly [K in keyof S]: string };
  readonly #check: ((options: Resolved<S>) => OptionViolation<S> | undefined) | undefined;

  constructor(
    owner: string,
    options: S,
    check?: (options: Resolved<S>) => OptionViolation<S> | undefined,
  ) {
    const entries = Object.entries(options);
    this.owner = owner;
    this.options = Object.freeze({ ...options });
    this.defaults = Object.freeze(
      Object.fromEntries(
        entries.flatMap(([n, o]) => (o.default === undefined ? [] : [[n, o.default]])),
      ),
    ) as this['defaults'];
    this.env = Object.freeze(
      Object.fromEntries(entries.map(([n, o]) => [n, o.env ?? envName(n)])),
    ) as this['env'];
    this.#check = check;
  }

  /**
   * Fills the defaults and checks every given option once.
   * @throws CoordinatorError `INVALID_OPTION` naming owner, option, source, expectation and value;
   * also for an unknown option, listing the known ones.
   */
  resolve(input?: Input<S>, source?: OptionSource): Resolved<S> {
    return this.resolveLayers([{ ...(source ? { source } : {}), values: input ?? {} }]);
  }

  /** Merges layers over the defaults (later ones win), then resolves them as `resolve` does. */
  resolveLayers(layers: readonly OptionLayer[]): Resolved<S> {
    const given = new Map<string, { value: unknown; source: OptionSource | undefined }>();
    for (const { source, values } of layers) {
      for (const [name, value] of Object.entries(values)) {
        if (!Object.hasOwn(this.options, name)) {
          const from = source === undefined ? '' : ` (from ${source})`;
          const known = Object.keys(this.options).join(', ');
          throw new CoordinatorError(
            'INVALID_OPTION',
            `Unknown ${this.owner} option \`${name}\`${from}; known: ${known}`,
          );
        }
        if (value !== undefined) given.set(name, { value, source });
      }
    }
    const resolved: Record<string, unknown> = {};
    for (const [name, option] of Object.entries(this.options)) {
      const { value = option.default, source } = given.get(name) ?? {};
      if (value === undefined && option.presence !== 'required') continue;
      const read = option.read(value, textSources.has(source));
      if (!read) throw invalidOption(name, option.expected, value, { owner: this.owner, source });
      resolved[name] = read.value;
    }
    const options = Object.freeze(resolved) as Resolved<S>;
    const violation = this.#check?.(options);
    if (violation) {
      const { option, expected } = violation;
      const { source } = given.get(option) ?? {};
      throw invalidOption(option, expected, resolved[option], { owner: this.owner, source });
    }
    return options;
  }

  /** The options set through their environment variables; empty ones count as unset. */
  fromEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
    const found: Record<string, string> = {};
    for (const [name, variable] of Object.entries<string>(this.env)) {
      const value = env[variable];
      if (value !== undefined && value !== '') found[name] = value;
    }
    return found;
  }

  /** This set's share of a larger set of options (the node's, say). */
  pick<V extends Input<S>>(values: V): Pick<V, keyof S & keyof V> {
    const own = Object.entries(values).filter(([name]) => Object.hasOwn(this.options, name));
    return Object.fromEntries(own) as Pick<V, keyof S & keyof V>;
  }
}

/**
 * Declares a component's options once: kind, bounds, default, description, flag and environment
 * variable each. `check` is for rules across options.
 *
 * @example
 * export const breakerOptions = defineOptions('CircuitBreaker', {
 *   openMs: option.integer({ min: 0, default: 30_000, description: 'how long the circuit stays open' }),
 * });
 * export type BreakerOptions = OptionsOf<typeof breakerOptions>;
 */
export function defineOptions<const S extends OptionSpecs>(
  owner: string,
  options: S,
  check?: (options: Resolved<S>) => OptionViolation<S> | undefined,
): OptionSet<S> {
  const set = new OptionSet(owner, options, check);
  Object.freeze(set);
  return set;
}
