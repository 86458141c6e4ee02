import type { ErrorCode } from './errors.js';

export interface AdmissionInput {
  /** Unfinished Commands the node holds now (recovered ones included). */
  readonly inFlight: number;
  readonly maxCmds: number;
  readonly suspended: boolean;
  /** Recovery is still replaying the log. */
  readonly recovering: boolean;
}

/**
 * Whether a new Command may come in, and if not, the code to refuse it with. Never silent: a
 * refusal always names why.
 */
export function admit({
  inFlight,
  maxCmds,
  suspended,
  recovering,
}: AdmissionInput):
  | { readonly admitted: true }
  | { readonly admitted: false; readonly code: ErrorCode; readonly message: string } {
  if (recovering) {
    return {
      admitted: false,
      code: 'NOT_READY',
      message: 'The node is still recovering its log; retry shortly',
    };
  }
  if (suspended) {
    return {
      admitted: false,
      code: 'SUSPENDED',
      message:
        'The node is suspended: a service is blocked and waiting Commands retry first; retry later',
    };
  }
  if (inFlight >= maxCmds) {
    return {
      admitted: false,
      code: 'OVERLOADED',
      message: `The node holds ${inFlight} unfinished Commands (maxCmds ${maxCmds}); retry later`,
    };
  }
  return { admitted: true };
}
