import { invalidOption } from './options/option.js';

/**
 * How long a service's Outcomes are kept for replay, independent of the checkpoint that bounds
 * recovery: `forever`, `none` (nothing is archived), an age (`30d`: Outcomes recorded longer ago
 * are dropped) or a size (`10GiB`: the oldest are dropped while the archive is larger). Dropping
 * is by whole archive segment, so a little more than asked may stay.
 */
export type OutcomeRetention =
  | { readonly kind: 'forever' }
  | { readonly kind: 'none' }
  | { readonly kind: 'age'; readonly ms: number }
  | { readonly kind: 'size'; readonly bytes: number };

const ageUnits: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};
const sizeUnits: Readonly<Record<string, number>> = {
  b: 1,
  kb: 1e3,
  mb: 1e6,
  gb: 1e9,
  tb: 1e12,
  kib: 2 ** 10,
  mib: 2 ** 20,
  gib: 2 ** 30,
  tib: 2 ** 40,
};

/** In words, for option errors and the docs. */
export const retentionExpected =
  '`forever`, `none` (or 0), an age such as `30d`, `12h`, `90m`, `600s`, `500ms`, or a size such as `10GiB`, `500MB`';

/** Reads `forever`, `none`, `0`, `30d`, `10GiB`... (case-insensitive); undefined otherwise. */
export function parseRetention(text: string): OutcomeRetention | undefined {
  const value = text.trim().toLowerCase();
  if (value === 'forever') return { kind: 'forever' };
  if (value === 'none' || value === '0') return { kind: 'none' };
  const match = /^(\d{1,16})\s*([a-z]+)$/.exec(value);
  if (!match) return undefined;
  const amount = Number(match[1]);
  const unit = match[2] as string;
  const age = ageUnits[unit];
  const size = sizeUnits[unit];
  const scaled = amount * (age ?? size ?? Number.NaN);
  if (!Number.isSafeInteger(scaled)) return undefined;
  if (scaled === 0) return { kind: 'none' };
  return age === undefined ? { kind: 'size', bytes: scaled } : { kind: 'age', ms: scaled };
}

/**
 * A retention from its text, for a config file: `outcomeRetention: retention('90d')`.
 * @throws CoordinatorError `INVALID_OPTION` for text that is not a retention.
 */
export function retention(text: string): OutcomeRetention {
  const read = parseRetention(text);
  if (!read) throw invalidOption('retention', retentionExpected, text);
  return read;
}

/** The text {@link parseRetention} reads back to the same retention. */
export function formatRetention(retention: OutcomeRetention): string {
  switch (retention.kind) {
    case 'forever':
    case 'none':
      return retention.kind;
    case 'age':
      return `${retention.ms}ms`;
    case 'size':
      return `${retention.bytes}b`;
  }
}

function isRetention(value: unknown): value is OutcomeRetention {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  const positive = (n: unknown) => typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
  switch (r.kind) {
    case 'forever':
    case 'none':
      return true;
    case 'age':
      return positive(r.ms);
    case 'size':
      return positive(r.bytes);
    default:
      return false;
  }
}

/** A retention given as text (`30d`) or as the parsed object; undefined when it is neither. */
export function readRetention(value: unknown): OutcomeRetention | undefined {
  if (typeof value === 'string') return parseRetention(value);
  if (value === 0) return { kind: 'none' };
  return isRetention(value) ? Object.freeze({ ...value }) : undefined;
}

/**
 * Per-service retentions from an object (`{ payments: '90d' }`) or text from the environment or
 * a flag (`payments=90d,audit=forever`); undefined when any entry does not read.
 */
export function readRetentionMap(
  value: unknown,
): Readonly<Record<string, OutcomeRetention>> | undefined {
  let entries: [string, unknown][];
  if (typeof value === 'string') {
    entries = [];
    for (const part of value.split(',')) {
      if (part.trim() === '') continue;
      const at = part.indexOf('=');
      if (at <= 0) return undefined;
      entries.push([part.slice(0, at).trim(), part.slice(at + 1)]);
    }
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    entries = Object.entries(value);
  } else {
    return undefined;
  }
  const map: Record<string, OutcomeRetention> = {};
  for (const [service, given] of entries) {
    const retention = readRetention(given);
    if (service === '' || retention === undefined) return undefined;
    map[service] = retention;
  }
  return Object.freeze(map);
}

/** The retention of `service`: its override, else the default. */
export function retentionOf(
  service: string,
  fallback: OutcomeRetention,
  byService: Readonly<Record<string, OutcomeRetention>>,
): OutcomeRetention {
  return Object.hasOwn(byService, service) ? (byService[service] as OutcomeRetention) : fallback;
}
