const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-12-02 06:22:01` in the browser's time zone. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${clockTime(ms)}`;
}

/** `06:22:01`, or `06:22:01.123` with `millis`. */
export function clockTime(ms: number, millis = false): string {
  const d = new Date(ms);
  const time = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  return millis ? `${time}.${pad(d.getMilliseconds(), 3)}` : time;
}

/** `850 ms`, `4.2 s`, `3 min`, `2 h`, `5 d`. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  if (abs < 1000) return `${Math.round(abs)} ms`;
  if (abs < 10_000) return `${(abs / 1000).toFixed(1)} s`;
  if (abs < 60_000) return `${Math.round(abs / 1000)} s`;
  if (abs < 3_600_000) return `${Math.round(abs / 60_000)} min`;
  if (abs < 86_400_000) return `${Math.round(abs / 3_600_000)} h`;
  return `${Math.round(abs / 86_400_000)} d`;
}

/** `3 s ago` or `in 4.2 s`. */
export function relative(ms: number, now = Date.now()): string {
  return ms <= now ? `${duration(now - ms)} ago` : `in ${duration(ms - now)}`;
}

/** The value a `<input type="datetime-local" step="1">` shows for a time. */
export function localInputValue(ms: number): string {
  return dateTime(ms).replace(' ', 'T');
}

/** A `datetime-local` value (browser time zone) as ms since the epoch; undefined when empty. */
export function fromLocalInput(value: string): number | undefined {
  if (value === '') return undefined;
  const ms = new Date(value).getTime();
  return Number.isNaN(ms) ? undefined : ms;
}
