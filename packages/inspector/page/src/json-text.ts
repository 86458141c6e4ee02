/** A value as indented JSON, for a `<pre>`; `undefined` spelled out. */
export const json = (value: unknown): string => JSON.stringify(value, null, 2) ?? 'undefined';

/** A value as JSON on one line, for a summary row. */
export const compact = (value: unknown): string => JSON.stringify(value) ?? 'undefined';
