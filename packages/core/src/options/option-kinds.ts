import {
  type OutcomeRetention,
  readRetention,
  readRetentionMap,
  retentionExpected,
} from '../outcome-retention.js';
import { buildOption, type Option, type OptionConfig, type OptionKind } from './option.js';

/** A kind's factory: a `default` makes the option defaulted, `required: true` required. */
export interface OptionFactory<T, B> {
  (config: B & OptionConfig<T> & { readonly default: T }): Option<T, 'defaulted', B>;
  (config: B & OptionConfig<T> & { readonly required: true }): Option<T, 'required', B>;
  (config: B & OptionConfig<T>): Option<T, 'optional', B>;
}

/** The same for kinds whose value type is given: `option.fn<Listener>({ … })`. */
export interface TypedOptionFactory<C> {
  <T extends C>(config: OptionConfig<T> & { readonly default: T }): Option<T, 'defaulted', object>;
  <T extends C>(
    config: OptionConfig<T> & { readonly required: true },
  ): Option<T, 'required', object>;
  <T extends C>(config: OptionConfig<T>): Option<T, 'optional', object>;
}

function factory<T, B>(kind: OptionKind<T, B>): OptionFactory<T, B> {
  return ((config: B & OptionConfig<T>) => buildOption(kind, config)) as OptionFactory<T, B>;
}

function typed<C>(name: string, expected: string, fits: (value: unknown) => boolean) {
  const kind: OptionKind<C, object> = {
    name,
    expected: () => expected,
    read: (value) => (fits(value) ? { value: value as C } : undefined),
  };
  return factory(kind) as TypedOptionFactory<C>;
}

export interface IntegerBounds {
  readonly min: number;
  readonly max?: number;
}

export interface StringBounds {
  /** @default false */
  readonly allowEmpty?: boolean;
  readonly pattern?: RegExp;
  /** What `pattern` allows, in words: `a Kafka topic name`. */
  readonly expected?: string;
}

export interface ListBounds {
  /** @default 0 */
  readonly min?: number;
}

export interface ChoiceBounds<V extends string> {
  readonly values: readonly V[];
}

const decimal = /^-?\d+$/;
const hostPort = /^[^\s:,]*:(\d{1,5})$/;

function isAddress(value: unknown): value is string {
  const port = typeof value === 'string' ? hostPort.exec(value)?.[1] : undefined;
  return port !== undefined && Number(port) <= 65_535;
}

const integer = factory<number, IntegerBounds>({
  name: 'integer',
  expected: ({ min, max }) =>
    max === undefined ? `an integer from ${min} and up` : `an integer from ${min} to ${max}`,
  read(value, fromText, { min, max }) {
    const n = fromText && typeof value === 'string' && decimal.test(value) ? Number(value) : value;
    const fits =
      typeof n === 'number' &&
      Number.isSafeInteger(n) &&
      n >= min &&
      (max === undefined || n <= max);
    return fits ? { value: n } : undefined;
  },
});

const string = factory<string, StringBounds>({
  name: 'string',
  expected: ({ allowEmpty, expected }) =>
    expected ?? (allowEmpty ? 'a string' : 'a non-empty string'),
  read(value, _, { allowEmpty, pattern }) {
    const fits =
      typeof value === 'string' && (allowEmpty || value !== '') && (pattern?.test(value) ?? true);
    return fits ? { value } : undefined;
  },
});

const boolean = factory<boolean, object>({
  name: 'boolean',
  expected: () => 'true or false',
  read(value, fromText) {
    const b = fromText && (value === 'true' || value === 'false') ? value === 'true' : value;
    return typeof b === 'boolean' ? { value: b } : undefined;
  },
});

const address = factory<string, object>({
  name: 'address',
  expected: () => 'a `host:port` address such as 127.0.0.1:7400',
  read: (value) => (isAddress(value) ? { value } : undefined),
});

/** Accepts an array, or a comma-separated string from any source. */
const addressList = factory<readonly string[], ListBounds>({
  name: 'addressList',
  expected: ({ min = 0 }) =>
    `${min > 0 ? 'a non-empty' : 'a'} comma-separated list of \`host:port\` addresses`,
  read(value, _, { min = 0 }) {
    const list =
      typeof value === 'string'
        ? value
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== '')
        : value;
    const fits = Array.isArray(list) && list.length >= min && list.every(isAddress);
    return fits ? { value: Object.freeze([...list]) } : undefined;
  },
});

/** An Outcome retention: `forever`, `none`, an age (`30d`) or a size (`10GiB`). */
const retention = factory<OutcomeRetention, object>({
  name: 'retention',
  expected: () => retentionExpected,
  read(value) {
    const read = readRetention(value);
    return read ? { value: read } : undefined;
  },
});

/** Retentions per service: `{ payments: '90d' }`, or `payments=90d,audit=none` as text. */
const retentionMap = factory<Readonly<Record<string, OutcomeRetention>>, object>({
  name: 'retentionMap',
  expected: () => `service=retention pairs, comma-separated; each retention ${retentionExpected}`,
  read(value) {
    const read = readRetentionMap(value);
    return read ? { value: read } : undefined;
  },
});

function oneOf<const V extends string>(
  config: ChoiceBounds<V> & OptionConfig<V> & { readonly default: V },
): Option<V, 'defaulted', ChoiceBounds<V>>;
function oneOf<const V extends string>(
  config: ChoiceBounds<V> & OptionConfig<V>,
): Option<V, 'optional', ChoiceBounds<V>>;
function oneOf<V extends string>(config: ChoiceBounds<V> & OptionConfig<V>) {
  return buildOption<V, ChoiceBounds<V>>(
    {
      name: 'oneOf',
      expected: ({ values }) => `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`,
      read: (value, _, { values }) =>
        values.includes(value as V) ? { value: value as V } : undefined,
      choices: ({ values }) => values,
    },
    config,
  );
}

/**
 * The option kinds: each call declares one option.
 *
 * @example
 * option.integer({ min: 1, default: 10_000, description: 'most unfinished Commands' })
 */
export const option = Object.freeze({
  integer,
  /** Non-empty unless `allowEmpty`; `pattern` with `expected` for more. */
  string,
  /** From the environment or a flag also `true` and `false`. */
  boolean,
  oneOf,
  /** `host:port`; an empty host means the default one. */
  address,
  addressList,
  retention,
  retentionMap,
  fn: typed<(...args: never[]) => unknown>('fn', 'a function', (v) => typeof v === 'function'),
  /** Anything but null that is an object (TLS options, a clock...); not checked further. */
  object: typed<object>('object', 'an object', (v) => typeof v === 'object' && v !== null),
});
