import { CoordinatorError } from '@coordinator/core';

/** How one option is checked. */
export type OptionRule =
  | { readonly kind: 'integer'; readonly min: number; readonly max?: number }
  | { readonly kind: 'string' }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'function' }
  | { readonly kind: 'object' };

export type OptionRules<T> = { readonly [K in keyof T]-?: OptionRule };

function describe(value: unknown): string {
  const shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  return `\`${shown}\` (${value === null ? 'null' : typeof value})`;
}

function expectation(rule: OptionRule): string {
  switch (rule.kind) {
    case 'integer':
      return rule.max === undefined
        ? `an integer from ${rule.min} and up`
        : `an integer from ${rule.min} to ${rule.max}`;
    case 'string':
      return 'a non-empty string';
    case 'boolean':
      return 'true or false';
    case 'function':
      return 'a function';
    case 'object':
      return 'an object';
  }
}

function fits(rule: OptionRule, value: unknown): boolean {
  switch (rule.kind) {
    case 'integer':
      return (
        typeof value === 'number' &&
        Number.isSafeInteger(value) &&
        value >= rule.min &&
        (rule.max === undefined || value <= rule.max)
      );
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'boolean':
      return typeof value === 'boolean';
    case 'function':
      return typeof value === 'function';
    case 'object':
      return typeof value === 'object' && value !== null;
  }
}

/**
 * Fills an options object from its frozen defaults and checks every field once. A field without
 * a default and without a value is left out; the caller checks the ones it requires.
 * @throws CoordinatorError `INVALID_OPTION` naming the owner, the option, the expectation and the
 * value given.
 */
export function resolveOptions<T extends object>(
  owner: string,
  defaults: Readonly<Partial<T>>,
  rules: OptionRules<T>,
  input: { readonly [K in keyof T]?: T[K] | undefined } | undefined,
): T {
  const resolved: Record<string, unknown> = { ...defaults };
  for (const [name, value] of Object.entries(input ?? {})) {
    const rule = (rules as Record<string, OptionRule | undefined>)[name];
    if (rule === undefined) {
      const known = Object.keys(rules).join(', ');
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Unknown ${owner} option \`${name}\`; known: ${known}`,
      );
    }
    if (value === undefined) continue;
    if (!fits(rule, value)) {
      throw new CoordinatorError(
        'INVALID_OPTION',
        `Expected ${owner} option \`${name}\` to be ${expectation(rule)}, got ${describe(value)}`,
      );
    }
    resolved[name] = value;
  }
  return Object.freeze(resolved) as T;
}

/** @throws CoordinatorError `INVALID_OPTION` when a required option is missing. */
export function required<T>(owner: string, name: string, value: T | undefined): T {
  if (value === undefined) {
    throw new CoordinatorError('INVALID_OPTION', `${owner} option \`${name}\` is required`);
  }
  return value;
}
