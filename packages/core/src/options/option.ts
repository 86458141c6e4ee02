import { CoordinatorError } from '../errors.js';

/** Where a value came from; text from the environment and flags is converted by kind. */
export type OptionSource = 'config file' | 'environment' | 'flags';

/** `required`: must be given. `defaulted`: falls back to its default. `optional`: may stay unset. */
export type Presence = 'required' | 'defaulted' | 'optional';

/** What every option declares besides its kind's bounds. */
export interface OptionConfig<T> {
  /** One line, for `--help` and the docs. */
  readonly description: string;
  readonly default?: T;
  readonly required?: boolean;
  /** Its `coordinator start` flag, without the dashes. */
  readonly flag?: string;
  /** @default `COORDINATOR_<SNAKE_CASE>` of its name in the set */
  readonly env?: string;
}

/** The metadata and bounds an option can be redeclared with (see {@link Option.with}). */
export type OptionPatch<T, B> = Partial<B & OptionConfig<T>>;

/** How one kind reads a value, given the bounds it was declared with. */
export interface OptionKind<T, B> {
  readonly name: string;
  /** Completes "Expected … to be": `an integer from 1 and up`. */
  expected(bounds: B): string;
  /** The value when it fits, else undefined. `fromText`: it came from the environment or a flag. */
  read(value: unknown, fromText: boolean, bounds: B): { readonly value: T } | undefined;
  choices?(bounds: B): readonly string[];
}

/** One declared option: its kind, bounds, default and metadata, and how it reads a value. */
export interface Option<T, P extends Presence = Presence, B = unknown> {
  readonly kind: string;
  readonly presence: P;
  readonly config: Readonly<B & OptionConfig<T>>;
  readonly description: string;
  readonly default: T | undefined;
  readonly flag: string | undefined;
  readonly env: string | undefined;
  readonly expected: string;
  /** The values an enum allows. */
  readonly choices: readonly string[] | undefined;
  read(value: unknown, fromText: boolean): { readonly value: T } | undefined;
  /** The same option redeclared: another flag, a default where the component had none... */
  with(patch: OptionPatch<T, B> & { readonly default: T }): Option<T, 'defaulted', B>;
  with(patch: OptionPatch<T, B> & { readonly required: true }): Option<T, 'required', B>;
  with(patch: OptionPatch<T, B>): Option<T, P, B>;
}

/** Builds an option of `kind`; the kinds' factories call it. */
export function buildOption<T, B>(
  kind: OptionKind<T, B>,
  config: B & OptionConfig<T>,
): Option<T, Presence, B> {
  const presence: Presence = config.required
    ? 'required'
    : config.default === undefined
      ? 'optional'
      : 'defaulted';
  return Object.freeze({
    kind: kind.name,
    presence,
    config: Object.freeze(config),
    description: config.description,
    default: config.default,
    flag: config.flag,
    env: config.env,
    expected: kind.expected(config),
    choices: kind.choices?.(config),
    read: (value: unknown, fromText: boolean) => kind.read(value, fromText, config),
    with(patch: OptionPatch<T, B>) {
      const merged = { ...config, ...patch } as B & OptionConfig<T>;
      if (patch.required) {
        const { default: _, ...required } = merged;
        return buildOption(kind, required as B & OptionConfig<T>);
      }
      return buildOption(
        kind,
        patch.default === undefined ? merged : { ...merged, required: false },
      );
    },
  }) as Option<T, Presence, B>;
}

function shown(value: unknown): string {
  const text =
    typeof value === 'string' || typeof value === 'number'
      ? String(value)
      : (JSON.stringify(value) ?? String(value));
  return `\`${text}\` (${value === null ? 'null' : typeof value})`;
}

/**
 * The `INVALID_OPTION` error, in the one style every option (and argument) check uses:
 * ``Expected Driver option `maxCmds` (from environment) to be an integer from 1 and up, got `0` (string)``.
 * Without an owner it reads ``Expected `partition` to be …``.
 */
export function invalidOption(
  name: string,
  expected: string,
  value: unknown,
  where: { readonly owner?: string; readonly source?: OptionSource | undefined } = {},
): CoordinatorError {
  const owner = where.owner === undefined ? '' : `${where.owner} option `;
  const source = where.source === undefined ? '' : ` (from ${where.source})`;
  return new CoordinatorError(
    'INVALID_OPTION',
    `Expected ${owner}\`${name}\`${source} to be ${expected}, got ${shown(value)}`,
  );
}
