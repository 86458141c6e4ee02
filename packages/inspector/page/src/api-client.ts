import type {
  CommandEvent,
  DriverStatus,
  ErrorData,
  LifecycleState,
  StepOutcome,
} from '@coordinator/core';

// The page speaks only HTTP; where an answer carries a core type as it is, the type comes from
// the core (type-only imports: nothing of the core is bundled).
export type { LifecycleState };

export const lifecycleStates: readonly LifecycleState[] = [
  'pending',
  'executing',
  'delayed',
  'blocked',
  'done',
];

/** One Command as `GET /v1/commands` lists it. */
export interface CommandSummary {
  readonly id: string;
  readonly type: string;
  readonly state: LifecycleState;
  readonly attempts: number;
  readonly outcomes: readonly StepOutcome[];
  readonly result?: unknown;
  readonly error?: ErrorData;
  readonly lastError?: ErrorData;
  readonly nextRetryAt?: number;
  readonly cancelled?: boolean;
  readonly acceptedAt: number;
  readonly updatedAt: number;
}

/** One Command as `GET /v1/commands/{id}` shows it. */
export interface CommandDetail extends CommandSummary {
  readonly payload: unknown;
  readonly partition: number;
  readonly step: string;
  readonly failures: readonly { step: string; error: ErrorData }[];
  readonly events: readonly CommandEvent[];
}

export interface CommandTypeInfo {
  readonly type: string;
  readonly kind: 'saga' | 'code';
  readonly services: readonly string[];
  readonly steps?: readonly { name: string; service: string; compensates: boolean }[];
}

export type PartitionInfo = DriverStatus['partitions'][number];

/** `GET /v1/node`: the Driver's status, with the node's id and Commands per state. */
export interface NodeInspection extends DriverStatus {
  readonly nodeId: string;
  /** Commands per type and machine state key (unfinished, and finished ones retained). */
  readonly counts: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** In a cluster: the other nodes, as each answers for itself. */
  readonly peers?: readonly PeerInfo[];
}

/** A peer as `GET /v1/node` reports it: its own inspection, or why it did not answer. */
export type PeerInfo = Partial<Omit<NodeInspection, 'peers'>> & {
  readonly address: string;
  readonly reachable: boolean;
  readonly error?: ErrorData;
};

/** The list's filters; an absent or empty one does not filter. */
export interface CommandFilter {
  readonly state?: string | undefined;
  readonly type?: string | undefined;
  readonly idPrefix?: string | undefined;
  readonly service?: string | undefined;
  readonly since?: number | undefined;
  readonly until?: number | undefined;
  readonly limit?: number | undefined;
  readonly after?: string | undefined;
}

/** An answer of the API other than 2xx, with the `{error: {code, message}}` it carried. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function request(path: string, init?: RequestInit): Promise<Response> {
  const response = await fetch(path, { credentials: 'same-origin', ...init });
  if (response.ok) return response;
  let code = `HTTP_${response.status}`;
  let message = response.statusText || `The node answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: Partial<ErrorData> };
    code = body.error?.code ?? code;
    message = body.error?.message ?? message;
  } catch {
    // Not JSON: keep the status line.
  }
  throw new ApiError(response.status, code, message);
}

async function json<T>(path: string, init?: RequestInit): Promise<T> {
  return (await (await request(path, init)).json()) as T;
}

const postEmpty: RequestInit = {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{}',
};

const typePath = (type: string) => `/v1/types/${encodeURIComponent(type)}`;
const commandPath = (id: string) => `/v1/commands/${encodeURIComponent(id)}`;

/** The public HTTP API, as the page uses it (same origin: the session cookie goes along). */
export const api = {
  types: async () => (await json<{ types: CommandTypeInfo[] }>('/v1/types')).types,
  chartSvg: async (type: string) => (await request(`${typePath(type)}/chart?format=svg`)).text(),
  node: () => json<NodeInspection>('/v1/node'),
  commands: (filter: CommandFilter) => {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(filter)) {
      if (value !== undefined && value !== '') query.set(name, String(value));
    }
    return json<{ commands: CommandSummary[]; next?: string }>(`/v1/commands?${query}`);
  },
  command: (id: string) => json<CommandDetail>(commandPath(id)),
  retryNow: (id: string) => json<CommandDetail>(`${commandPath(id)}/retry`, postEmpty),
  cancel: (id: string) => json<CommandDetail>(`${commandPath(id)}/cancel`, postEmpty),
};
