/**
 * A `fetch` that trusts the given certificate authorities (PEM) for `https:` URLs, in place of the
 * system's: undici's fetch on an agent with that `ca`. undici is loaded on first use only.
 */
export async function fetchTrusting(ca: string | Buffer): Promise<typeof fetch> {
  const undici = await import('undici');
  const dispatcher = new undici.Agent({ connect: { ca } });
  return ((input: string | URL, init?: RequestInit) =>
    undici.fetch(input, { ...(init as object), dispatcher })) as unknown as typeof fetch;
}
