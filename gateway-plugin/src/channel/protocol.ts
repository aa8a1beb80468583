import { fieldError, RemoteSupportError } from '../domain/errors';
import { readObject } from '../domain/input';

/**
 * The support channel's messages: JSON text frames over a TLS WebSocket.
 * One table of message types, shared by the gateway and the support console.
 */

/** Engineer → gateway. */
export type ClientMessage =
  | { type: 'open'; supportCase: string; nodes?: string[] }
  | { type: 'run'; id: string; line: string; nodes?: string[] }
  | { type: 'close' };

/** What a command did on one node, as the engineer receives it. */
export type NodeOutcome =
  | { node: string; ok: true; text: string; objects: unknown[]; errors: unknown[] }
  | { node: string; ok: false; error: { code: string; message: string } };

/** Gateway → engineer. */
export type ServerMessage =
  | {
      type: 'opened';
      sessionId: string;
      cluster: string;
      accessLevel: string;
      expiresAt: string;
      secondsLeft: number;
      nodes: string[];
      commands: string[];
      idleTimeoutSeconds: number;
    }
  | { type: 'accepted'; id: string; command: { cmdlet: string; parameters: Record<string, unknown> }; nodes: string[] }
  | { type: 'denied'; id: string; reason: string; message: string; accessLevel: string; secondsLeft: number }
  | ({ type: 'output'; id: string } & NodeOutcome)
  | { type: 'done'; id: string; accessLevel: string; secondsLeft: number }
  | { type: 'error'; code: string; message: string; id?: string }
  | { type: 'ended'; reason: string; message: string };

/** WebSocket close codes the gateway uses, by session end reason. */
export const CLOSE_CODES = {
  closed: 1000,
  interrupted: 1001,
  revoked: 4001,
  expired: 4002,
  'ended-by-admin': 4003,
  'idle-timeout': 4004,
} as const;

export const SUPPORT_CASE_PATTERN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,63})$/;
const REQUEST_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The longest command line the channel takes. */
export const MAX_LINE = 4000;

/** The request id of a frame, when it has a usable one, so even a refused `run` gets its answer. */
export function requestIdOf(frame: string): string | undefined {
  try {
    const id = (JSON.parse(frame) as { id?: unknown }).id;
    return typeof id === 'string' && REQUEST_ID.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and checks one frame from the engineer; throws InvalidChannelMessage naming the field. */
export function parseClientMessage(frame: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    throw new RemoteSupportError('InvalidChannelMessage', 'A channel message must be a JSON object with a type of open, run or close');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RemoteSupportError('InvalidChannelMessage', 'A channel message must be a JSON object with a type of open, run or close');
  }
  const type = (value as { type?: unknown }).type;
  switch (type) {
    case 'open': {
      const m = readObject(value, ['type', 'supportCase', 'nodes']);
      const supportCase = m['supportCase'];
      if (typeof supportCase !== 'string' || !SUPPORT_CASE_PATTERN.test(supportCase)) {
        throw fieldError('InvalidChannelMessage', 'supportCase', 'the support case number: 1 to 64 letters, digits or hyphens', supportCase);
      }
      return { type, supportCase, ...nodesOf(m) };
    }
    case 'run': {
      const m = readObject(value, ['type', 'id', 'line', 'nodes']);
      const id = m['id'];
      if (typeof id !== 'string' || !REQUEST_ID.test(id)) throw fieldError('InvalidChannelMessage', 'id', '1 to 64 letters, digits, _ or -', id);
      const line = m['line'];
      if (typeof line !== 'string' || line.length > MAX_LINE) throw fieldError('InvalidChannelMessage', 'line', `a command line of at most ${MAX_LINE} characters`);
      return { type, id, line, ...nodesOf(m) };
    }
    case 'close':
      readObject(value, ['type']);
      return { type };
    default:
      throw fieldError('InvalidChannelMessage', 'type', 'open, run or close', type);
  }
}

function nodesOf(m: Record<string, unknown>): { nodes?: string[] } {
  const nodes = m['nodes'];
  if (nodes === undefined) return {};
  if (!Array.isArray(nodes) || nodes.length === 0 || nodes.length > 64 || nodes.some((n) => typeof n !== 'string' || !/^[A-Za-z0-9-]{1,63}$/.test(n))) {
    throw fieldError('InvalidChannelMessage', 'nodes', 'a non-empty list of node names');
  }
  return { nodes: [...new Set(nodes as string[])] };
}
