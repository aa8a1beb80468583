/**
 * The support channel's messages: JSON text frames over a TLS WebSocket.
 * Their schemas and the check of every frame from the engineer live in the
 * contract (contract/channel.ts); this file adds what only the channel uses.
 */
export { parseClientMessage, requestIdOf } from '../contract/channel';
export type { ClientMessage, NodeOutcome, ServerMessage } from '../contract/channel';

/** WebSocket close codes the gateway uses, by session end reason. */
export const CLOSE_CODES = {
  closed: 1000,
  interrupted: 1001,
  revoked: 4001,
  expired: 4002,
  'ended-by-admin': 4003,
  'idle-timeout': 4004,
  'token-expired': 4005,
  // The relay already cut the socket; the code is for completeness.
  'relay-disconnected': 4006,
} as const;
