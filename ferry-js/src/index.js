// ferry-js: the browser and Node client of Ferry (docs/web.md). No runtime dependencies.
export { Ferry, FerryError, webSocketTransport, backoffDelay, encodeFrame, decodeMessage, SUBPROTOCOL } from './ferry.js';
export { httpTransport, httpBase } from './http-transport.js';
export { MultiWebSocket } from './multi-websocket.js';
export { JSONWebSocket } from './json-websocket.js';
export { RelativeWebSocket, resolveWebSocketUrl } from './relative-websocket.js';
export { matches, hasWildcard, topicPath } from './topics.js';
export { Emitter } from './events.js';
export { StateReplica, PatchError, applyPatch, applyMergePatch, parsePointer, jsonEqual } from './state.js';
