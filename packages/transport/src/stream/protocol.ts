import type { CommandFilter, ErrorData } from '@coordinator/core';

/** The stream protocol's name, as the handshake states it. */
export const protocolName = 'coordinator-stream';
/** Peers speak only the same version; a later incompatible change bumps it. */
export const protocolVersion = 1;

/** Server → client, first frame on every connection. */
export interface ServerHello {
  readonly op: 'hello';
  readonly protocol: string;
  readonly version: number;
  readonly nodeId: string;
  /** The largest frame body the server reads. */
  readonly maxFrameBytes: number;
  /** The server drops a client it hears nothing from for this long. */
  readonly keepaliveTimeoutMs: number;
}

/** Client → server, the answer to the server's hello, before any request. */
export interface ClientHello {
  readonly op: 'hello';
  readonly protocol: string;
  readonly version: number;
  /** The largest frame body the client reads; larger replies become `FRAME_TOO_LARGE`. */
  readonly maxFrameBytes: number;
  /** The API token, when the server requires one (else the server closes with `UNAUTHORIZED`). */
  readonly token?: string;
}

/** One answer to request `seq`: interim ones have `last: false`, the final one `last: true`. */
export interface ReplyMessage {
  readonly op: 'reply';
  readonly seq: number;
  readonly last: boolean;
  /** What the request asked for (a `CommandResult`, `CommandView` or a list of them). */
  readonly value?: unknown;
  /** The request was refused; always on a final reply. */
  readonly error?: ErrorData;
}

/** Either side, when it has sent nothing for the keepalive interval. */
export interface PingMessage {
  readonly op: 'ping';
}

/** Server → client, just before the server closes the connection. */
export interface CloseMessage {
  readonly op: 'close';
  readonly error: ErrorData;
}

export type ServerMessage = ServerHello | ReplyMessage | PingMessage | CloseMessage;

/**
 * Submits a Command. Replies: `{id, state, existing}` once durable (interim, or final when
 * `until` is `accepted`), then the final `{id, state: 'done', result | error}`. With `until`
 * `result` only the final reply is sent (for callers that only want the result: half the frames).
 */
export interface SubmitMessage {
  readonly op: 'submit';
  readonly seq: number;
  readonly type: string;
  readonly payload: unknown;
  readonly id?: string;
  /** @default 'done' */
  readonly until?: 'accepted' | 'done' | 'result';
}

/** One Command by id: the final reply's value is its `CommandView`. */
export interface GetMessage {
  readonly op: 'get';
  readonly seq: number;
  readonly id: string;
}

/** Lists Commands: the final reply's value is the page's array of `CommandView`s. */
export interface ListMessage extends CommandFilter {
  readonly op: 'list';
  readonly seq: number;
}

/**
 * An operator's action on a Command: `retry` now or `cancel` it. The final reply's value is the
 * Command's `CommandView`.
 */
export interface ActMessage {
  readonly op: 'act';
  readonly seq: number;
  readonly action: 'retry' | 'cancel';
  readonly id: string;
}

/** What the node shows the inspector: the final reply's value is that object. */
export interface InspectMessage {
  readonly op: 'inspect';
  readonly seq: number;
}

/** A page of a service's Outcomes kept for replay: the final reply's value is the `OutcomePage`. */
interface OutcomesMessage {
  readonly op: 'outcomes';
  readonly seq: number;
  readonly service: string;
  readonly after?: string;
  readonly since?: number;
  readonly limit: number;
}

/** The client stops waiting for request `seq`; no further reply comes for it. */
export interface CancelMessage {
  readonly op: 'cancel';
  readonly seq: number;
}

export type ClientRequest =
  | SubmitMessage
  | GetMessage
  | ListMessage
  | ActMessage
  | InspectMessage
  | OutcomesMessage;
export type ClientMessage = ClientHello | ClientRequest | CancelMessage | PingMessage;
