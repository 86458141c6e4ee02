import { CoordinatorError, type StepInfo } from '@coordinator/core';
import { CircuitBreaker } from './circuit-breaker.js';
import { type HttpServiceOptions, httpServiceOptions } from './http-service-options.js';
import { idempotencyHeader } from './idempotency-header.js';
import { fetchTrusting } from './trusting-fetch.js';

export interface ServiceRequest {
  /** @default 'POST' with a body, else 'GET' */
  readonly method?: string;
  /** Resolved against the base URL. */
  readonly path: string;
  /** Sent as JSON. */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The `cause` of the terminal error a 4xx answer becomes. */
export interface ServiceResponse {
  readonly status: number;
  /** Parsed JSON when the service said so, else text. */
  readonly body: unknown;
}

/** What a step needs to call a service: its idempotency key. */
export type StepKey = Pick<StepInfo, 'idempotencyKey'>;

const bodySnippetChars = 500;

/**
 * An HTTP service gateway for a Receiver. Every call carries the step's idempotency key as the
 * `Idempotency-Key` header (percent-encoded where it is not visible ASCII: see
 * {@link idempotencyHeader}). Timeouts, connection errors, 408, 429 and 5xx become CmdDelayed
 * (`DELAYED`); while the circuit breaker is open calls are not sent and become CmdBlocked
 * (`BLOCKED`); any other 4xx is a terminal `STEP_FAILED` whose `cause` is the `ServiceResponse`.
 * A request that cannot even be built (a header value HTTP cannot carry, a body JSON cannot hold)
 * is a fault of the caller, not an outage: a terminal `INTERNAL`, and the breaker does not count
 * it.
 *
 * @example
 * const inventory = httpService('http://inventory:8080', { timeoutMs: 2000 });
 * await ctx.step('inventory', 'reserve', (step) => inventory.post(step, '/reservations', { sku }));
 */
export class HttpService {
  readonly options: HttpServiceOptions;
  readonly breaker: CircuitBreaker;
  readonly #baseUrl: URL;
  #fetch: Promise<typeof fetch> | undefined;

  constructor(baseUrl: string | URL, options?: Partial<HttpServiceOptions>) {
    this.#baseUrl = new URL(baseUrl);
    this.options = httpServiceOptions.resolve({
      ...options,
      service: options?.service ?? this.#baseUrl.host,
    });
    const { service, clock, onEvent } = this.options;
    this.breaker = new CircuitBreaker({ ...this.options.breaker, service, clock, onEvent });
  }

  post<T = unknown>(step: StepKey, path: string, body: unknown): Promise<T> {
    return this.call(step, { method: 'POST', path, body });
  }

  get<T = unknown>(step: StepKey, path: string): Promise<T> {
    return this.call(step, { method: 'GET', path });
  }

  /**
   * One call; resolves with the parsed response body.
   * @throws CoordinatorError `DELAYED`, `BLOCKED` or `STEP_FAILED` (see the class).
   */
  async call<T = unknown>(step: StepKey, request: ServiceRequest): Promise<T> {
    const { service, clock, timeoutMs } = this.options;
    const method = request.method ?? (request.body === undefined ? 'GET' : 'POST');
    const what = `${service}: ${method} ${request.path}`;
    const prepared = this.#prepare(step, request, method, what);
    const fetcher = await this.#fetcher();
    const permit = this.breaker.acquire();
    if (!permit) {
      const until = new Date(this.breaker.retryAt ?? clock.now()).toISOString();
      throw CoordinatorError.blocked(`${what} not sent: the circuit is open until ${until}`);
    }
    const controller = new AbortController();
    const timer = clock.setTimer(() => controller.abort(), timeoutMs);
    let status: number;
    let body: unknown;
    try {
      const response = await fetcher(prepared.url, { ...prepared.init, signal: controller.signal });
      status = response.status;
      body = await readBody(response);
    } catch (error) {
      this.breaker.failed(permit);
      const reason = controller.signal.aborted
        ? `timed out after ${timeoutMs} ms`
        : `failed: ${describeFetchError(error)}`;
      throw CoordinatorError.delayed(`${what} ${reason}`, { cause: error });
    } finally {
      clock.clearTimer(timer);
    }
    const response: ServiceResponse = { status, body };
    if (status >= 500 || status === 408 || status === 429) {
      this.breaker.failed(permit);
      throw CoordinatorError.delayed(`${what} answered ${status}: ${snippet(body)}`, {
        cause: response,
      });
    }
    this.breaker.succeeded(permit);
    if (status >= 400) {
      throw new CoordinatorError('STEP_FAILED', `${what} answered ${status}: ${snippet(body)}`, {
        cause: response,
      });
    }
    return body as T;
  }

  /**
   * The URL and request of a call, checked before anything is sent.
   * @throws CoordinatorError `INTERNAL` (terminal) when the request cannot be built.
   */
  #prepare(
    step: StepKey,
    request: ServiceRequest,
    method: string,
    what: string,
  ): { url: URL; init: RequestInit } {
    try {
      const url = new URL(request.path, this.#baseUrl);
      const headers = new Headers({
        accept: 'application/json',
        ...this.options.headers,
        ...request.headers,
        ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
        'idempotency-key': idempotencyHeader(step.idempotencyKey),
      });
      const body = request.body === undefined ? undefined : JSON.stringify(request.body);
      return { url, init: { method, headers, ...(body === undefined ? {} : { body }) } };
    } catch (error) {
      throw new CoordinatorError(
        'INTERNAL',
        `${what} not sent: the request could not be built (${(error as Error).message}); this is a fault in the step's code or data, not an outage`,
        { cause: error },
      );
    }
  }

  #fetcher(): Promise<typeof fetch> {
    this.#fetch ??= fetcherFor(this.options);
    return this.#fetch;
  }
}

/** The given fetch; or, to trust a `ca`, a fetch that trusts it. */
async function fetcherFor(options: HttpServiceOptions): Promise<typeof fetch> {
  if (options.fetch !== undefined) return options.fetch;
  if (options.ca === undefined) return globalThis.fetch;
  return fetchTrusting(options.ca);
}

/** Builds an {@link HttpService}. */
export function httpService(baseUrl: string | URL, options?: Partial<HttpServiceOptions>) {
  return new HttpService(baseUrl, options);
}

async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (text.length === 0) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!/[/+]json\b/i.test(type)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} ${cause.message}` : cause.message;
  }
  return error.message;
}

function snippet(body: unknown): string {
  const text = typeof body === 'string' ? body : (JSON.stringify(body) ?? '');
  return text.length > bodySnippetChars ? `${text.slice(0, bodySnippetChars)}…` : text;
}
