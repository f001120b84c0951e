// Type declarations of ferry-js (docs/web.md).

export const SUBPROTOCOL: 'ferry.v1';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A payload: any JSON value, or bytes (sent and received as a binary ferry.v1 message). */
export type Payload = Json | Uint8Array;
export type State = 'idle' | 'connecting' | 'connected' | 'disconnected' | 'closed';
/** How a canceled call ends (docs/protocol.md §4, "progress and cancel"). */
export type CancelMode = 'skip' | 'kill' | 'killnowait';
/** How a call picks among the callees of a procedure. */
export type InvokePolicy = 'single' | 'roundrobin' | 'random' | 'first' | 'last';

export interface CallOptions {
  /** How long the server waits for the callee (ms); the server's default when absent. */
  timeout?: number;
  /** Takes progressive results: each one, in order, before the call settles. */
  onProgress?: (data: Payload) => void;
  /** Aborting it cancels the call with `cancelMode`. */
  signal?: AbortSignal;
  /** Default 'killnowait'. */
  cancelMode?: CancelMode;
}

/**
 * The answer of `procedures`: the registered procedures the client may call, and first the rules of procedures
 * served by HTTP backends (`callee: 'http'`, `proc` their pattern, `hook` the rule's name; docs/hooks.md).
 */
export interface ProcedureList {
  prefix: string;
  procedures: {
    proc: string;
    callees: number;
    invoke: InvokePolicy;
    calls: number;
    rate: number;
    callee?: 'http';
    hook?: string;
  }[];
  truncated: boolean;
}

/** What a procedure handler gets besides the arguments. */
export interface InvocationInfo {
  proc: string;
  /** Whether the caller takes progressive results. */
  receivesProgress: boolean;
  /** Sends a progressive result (nothing when the caller does not take them). */
  progress(data: Payload): void;
  /** Aborted, with the mode as its reason, when the server interrupts the invocation. */
  signal: AbortSignal;
}

export class FerryError extends Error {
  constructor(code: string, message?: string, data?: unknown);
  /** A ferry.v1 error code (docs/protocol.md §6), or `disconnected` / `closed` / `unsubscribed` from the client. */
  readonly code: string;
  readonly data?: unknown;
}

/** A connection as a transport opens it. */
export interface Link {
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
}

export interface TransportHooks {
  onopen(): void;
  onmessage(data: string | Uint8Array): void;
  onclose(event: { code: number; reason: string }): void;
}

/** A way to reach the server; tried in order, the next one when a transport cannot open. */
export interface Transport {
  readonly name: string;
  open(url: string, hooks: TransportHooks): Link;
}

export function webSocketTransport(WebSocketImpl?: unknown): Transport;
/** The HTTP-only session (docs/web.md): an EventSource downstream and POSTs upstream. */
export function httpTransport(options?: { fetch?: unknown; EventSource?: unknown }): Transport;
/** http(s)://host of a ws(s):// endpoint URL. */
export function httpBase(url: string): string;

export interface BackoffOptions {
  minDelay?: number;
  maxDelay?: number;
  random?: () => number;
}

export function backoffDelay(attempt: number, options?: BackoffOptions): number;
export function encodeFrame(frame: Record<string, unknown>, payloadName?: string): string | Uint8Array;
export function decodeMessage(data: string | Uint8Array): Array<Record<string, any>>;

export interface FerryOptions extends BackoffOptions {
  /** The WebSocket implementation; default globalThis.WebSocket (in Node 20 pass the ws package's WebSocket). */
  WebSocket?: unknown;
  transports?: Transport[];
  /** Leave the HTTP-only session out of the default transports. */
  httpFallback?: boolean;
  /** EventSource implementation for the HTTP-only session (in Node: the eventsource package). */
  EventSource?: unknown;
  /** fetch implementation for the HTTP-only session (default globalThis.fetch). */
  fetch?: unknown;
  /** Reconnect after an unexpected close (default true). */
  reconnect?: boolean;
  /** Connect in the constructor (default true). */
  connect?: boolean;
  /** The base for relative URLs (default: globalThis.location). */
  location?: { href: string } | string;
  /**
   * How long (ms) an acknowledged publication is sent again with its pub_id while its outcome is unknown (default
   * 60000; 0: never). Keep it below the server's publish.dedup-window (2 minutes).
   */
  publishRetry?: number;
}

export interface Delivery {
  topic: string;
  offset: number;
  /** The subscribed pattern the publication matched. */
  pattern: string;
  /** The tags its publisher set (docs/protocol.md §4.4), when it set any. */
  tags?: { [name: string]: string };
}

export interface Subscription {
  readonly pattern: string;
  unsubscribe(): Promise<void>;
}

export interface IndexChild {
  word: string;
  topic: string;
  subscribers: number;
  total: number;
}

export interface TopicIndex {
  prefix: string;
  subscribers: number;
  total: number;
  children: IndexChild[];
  truncated: boolean;
}

/** One connection present in a topic (docs/protocol.md §4.7). */
export interface PresenceEntry {
  /** The connection's id, chosen by the server. */
  conn: string;
  /** The `sub` of the connection's token; null when anonymous. */
  user: string | null;
  /** What the client gave with `presence`, if anything. */
  info?: { [key: string]: Payload };
  /** When it joined, in Unix milliseconds. */
  joined: number;
}

export interface PresencePage {
  topic: string;
  count: number;
  entries: PresenceEntry[];
  /** The cursor of the next page; null on the last. */
  next: string | null;
}

/** Joins and leaves, coalesced; with `reset`, read the presence again (also sent after each reconnect). */
export interface PresenceDiff {
  topic: string;
  joins: PresenceEntry[];
  leaves: PresenceEntry[];
  reset: boolean;
}

export interface SubscribeOptions {
  /** The server keeps the subscription across disconnects (docs/protocol.md §4.5). */
  durable?: boolean;
  /** Client info listed in the topic's presence: a JSON object (docs/protocol.md §4.7). */
  presence?: { [key: string]: Payload };
  /** Hears the topic's joins and leaves (sends `presence_events: true`). */
  onPresence?: (diff: PresenceDiff) => void;
  /**
   * A filter the server evaluates before delivery, over tags and JSON fields (docs/protocol.md §4.4), e.g.
   * `"region in ('east','west') and temp > 30"`. It belongs to the pattern: subscribing again replaces it.
   */
  filter?: string;
}

export interface StateEvent {
  state: State;
  transport?: string;
  code?: number;
  reason?: string;
  wasOpen?: boolean;
  attempt?: number;
}

export class Emitter {
  addEventListener(type: string, listener: (event: any) => void): void;
  removeEventListener(type: string, listener: (event: any) => void): void;
  dispatchEvent(event: { type: string; [key: string]: unknown }): boolean;
  /** Calls fn(detail) for each event of this type; returns a function that removes it. */
  on(type: string, fn: (detail: any, event: any) => void): () => void;
}

export class Ferry extends Emitter {
  constructor(url: string, options?: FerryOptions);
  readonly url: string;
  readonly state: State;
  /** The transport of the current connection. */
  readonly transport: string | null;
  on(type: 'state', fn: (e: StateEvent) => void): () => void;
  on(type: 'connecting' | 'connected' | 'disconnected', fn: (e: StateEvent) => void): () => void;
  on(type: 'error', fn: (e: Error) => void): () => void;
  on(type: 'goaway', fn: (e: { reason: string; reconnect_ms: number }) => void): () => void;
  /** The server subscribed this connection to `topic` (a pattern) on its own; `server_msg` events carry its publications. */
  on(type: 'server_sub' | 'server_unsub', fn: (e: { topic: string }) => void): () => void;
  /** A publication of a pattern the server subscribed this connection to (not one of the client's own subscriptions). */
  on(type: 'server_msg', fn: (e: { data: unknown; topic: string; offset: number; tags?: Record<string, string>; pattern: string }) => void): () => void;
  /** After a reconnect, what was missed on `topic` could not be recovered from history; live from offset + 1. */
  on(type: 'reset', fn: (e: { topic: string; epoch?: string; offset: number }) => void): () => void;
  on(type: string, fn: (detail: any, event: any) => void): () => void;
  connect(): Promise<void>;
  /** With `durable: true` the server keeps the subscription across disconnects (docs/protocol.md §4.4). */
  subscribe(pattern: string, handler: (data: Payload, delivery: Delivery) => void, options?: SubscribeOptions): Promise<Subscription>;
  /** The token of the server-side session, once known. */
  readonly sessionToken: string | undefined;
  unsubscribe(pattern: string | Subscription, handler?: (data: Payload, delivery: Delivery) => void): Promise<void>;
  publish(topic: string, data: Payload | ArrayBuffer, options?: { ack?: false; tags?: { [name: string]: string }; pubId?: string }): Promise<undefined>;
  publish(topic: string, data: Payload | ArrayBuffer, options: { ack: true; tags?: { [name: string]: string }; pubId?: string }): Promise<{ topic: string; epoch: string; offset: number }>;
  call<T = Payload>(proc: string, args?: Payload | ArrayBuffer, options?: CallOptions): Promise<T>;
  register(proc: string, handler: (args: Payload, info: InvocationInfo) => unknown, options?: { invoke?: InvokePolicy }): Promise<{ proc: string }>;
  unregister(proc: string): Promise<void>;
  index(prefix?: string): Promise<TopicIndex>;
  procedures(prefix?: string): Promise<ProcedureList>;
  /** A page of a topic's presence (docs/protocol.md §4.7). */
  presence(topic: string, options?: { cursor?: string | null; limit?: number }): Promise<PresencePage>;
  ping(): Promise<number>;
  lastOffset(topic: string): number | undefined;
  close(): void;
  /** Follows a state channel (docs/protocol.md §4.6); resolves once the replica holds its first document. */
  followState<T = Json>(topic: string, options?: { onChange?: (change: StateChange<T>) => void }): Promise<StateReplica<T>>;
  /** Reads a state channel once. */
  getState<T = Json>(topic: string): Promise<{ topic: string; epoch?: string; version: number; data: T }>;
  /** Changes a state channel with an RFC 7386 merge patch, only at `ifVersion` when given (else `state_conflict`). */
  mergeState(topic: string, patch: Json, options?: { ifVersion?: number }): Promise<StateVersion>;
  /** Changes a state channel with an RFC 6902 JSON Patch, only at `ifVersion` when given. */
  patchState(topic: string, operations: PatchOperation[], options?: { ifVersion?: number }): Promise<StateVersion>;
}

/** Where a state channel stands after a write. */
export interface StateVersion {
  topic: string;
  epoch?: string;
  version: number;
}

/** One RFC 6902 operation. */
export type PatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: Json }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

/** One change of a replica: the document after it and the patch that made it (null for a whole snapshot). */
export interface StateChange<T = Json> {
  topic: string;
  epoch?: string;
  version: number;
  document: T;
  patch: PatchOperation[] | null;
  snapshot: boolean;
}

/** The local copy of a state channel's document, kept in sync by the client. */
export class StateReplica<T = Json> extends Emitter {
  readonly topic: string;
  /** The document at `version` (undefined before the first snapshot). Do not modify it. */
  readonly document: T;
  /** -1 before the first snapshot. */
  readonly version: number;
  readonly epoch: string | undefined;
  readonly ready: Promise<StateReplica<T>>;
  on(type: 'change', fn: (change: StateChange<T>) => void): () => void;
  on(type: string, fn: (detail: any, event: any) => void): () => void;
  /** Stops following the channel. */
  close(): Promise<void>;
}

export class PatchError extends Error {
  /** The failing operation's index, or -1 for the patch as a whole. */
  readonly index: number;
}

/** The document an RFC 6902 JSON Patch makes of `doc` (not modified); throws PatchError. */
export function applyPatch<T = Json>(doc: Json, patch: PatchOperation[]): T;
/** RFC 7386 MergePatch(target, patch) (neither is modified). */
export function applyMergePatch<T = Json>(target: Json | undefined, patch: Json): T;
export function parsePointer(pointer: string): string[];
export function jsonEqual(a: Json, b: Json): boolean;

/** The WebSocket API, as the look-alikes below implement it. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly url: string;
  readonly CONNECTING: 0;
  readonly OPEN: 1;
  readonly CLOSING: 2;
  readonly CLOSED: 3;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { type: 'message'; data: any }) => void) | null;
  onclose: ((event: { type: 'close'; code: number; reason: string; wasClean: boolean }) => void) | null;
  onerror: ((event: any) => void) | null;
  send(data: any): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
  removeEventListener(type: 'open' | 'message' | 'close' | 'error', listener: (event: any) => void): void;
}

/** A channel of a MultiWebSocket, with the WebSocket API. */
export interface MultiplexedWebSocket extends WebSocketLike {
  /** The channel name sent to the multiplexer (the topic, escaped as websocket-multiplex does). */
  readonly channel: string;
  binaryType: 'blob' | 'arraybuffer';
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
}

export class MultiWebSocket extends Emitter {
  /** url: ws(s)://host/v1/multiplex, a path resolved against the page, or a WebSocket to multiplex over. */
  constructor(url: string | URL | WebSocketLike, options?: { WebSocket?: unknown; location?: { href: string } | string });
  readonly url: string;
  readonly readyState: number;
  /**
   * `M.WebSocket(url)` or `new M.WebSocket(url)`: a drop-in for `new WebSocket(url)` on a per-topic socket URL of
   * the multiplexer's server (absolute or relative), or a channel for a channel name (a topic, or a pattern to
   * receive only). Binary data travels through Ferry's binary extension of the protocol (docs/web.md).
   */
  readonly WebSocket: {
    (urlOrChannel: string | URL): MultiplexedWebSocket;
    new (urlOrChannel: string | URL): MultiplexedWebSocket;
  };
  close(code?: number, reason?: string): void;
}

export class JSONWebSocket extends Emitter implements Partial<WebSocketLike> {
  constructor(target: string | URL | WebSocketLike, protocols?: string | string[], options?: { WebSocket?: unknown; location?: { href: string } | string });
  readonly socket: WebSocketLike;
  readonly readyState: number;
  readonly url: string;
  onopen: ((event: any) => void) | null;
  onmessage: ((event: { type: 'message'; data: any }) => void) | null;
  onclose: ((event: any) => void) | null;
  onerror: ((event: any) => void) | null;
  send(value: unknown): void;
  close(code?: number, reason?: string): void;
}

/** `new RelativeWebSocket('/v1/topics/chat')`: a real WebSocket to the path on the page's host (ws or wss by scheme). */
export const RelativeWebSocket: {
  new (path: string, protocols?: string | string[], options?: { WebSocket?: unknown; location?: { href: string } | string }): WebSocket;
};

export function resolveWebSocketUrl(url: string | URL, base?: { href: string } | string): string;
export function matches(pattern: string, topic: string): boolean;
export function hasWildcard(pattern: string): boolean;
export function topicPath(topic: string): string;
