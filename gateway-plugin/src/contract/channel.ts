import { Static, TSchema, Type } from '@sinclair/typebox';
import { fieldError, RemoteSupportError } from '../domain/errors';
import { MAX_COMMAND_LINE, MAX_NODES, NODE_NAME, SUPPORT_CASE_NUMBER } from '../domain/identifiers';
import { MAX_APPROVAL_REASON } from '../domain/repair-approval';
import { field } from './field';
import { validator } from './validation';
import { duplicateKey } from './json-body';

/**
 * The support channel's frames: JSON text over a TLS WebSocket. The gateway
 * checks every frame from the engineer with these schemas; the support
 * console builds its frames from the same types.
 */

const REQUEST_ID = { pattern: '^[A-Za-z0-9_-]{1,64}$', allowed: '1 to 64 letters, digits, _ or -' } as const;
const nodes = Type.Optional(field(
  Type.Array(Type.String({ pattern: NODE_NAME.pattern }), { minItems: 1, maxItems: MAX_NODES, description: 'The nodes to run on; the session\'s nodes when left out' }),
  'InvalidChannelMessage',
  `a non-empty list of at most ${MAX_NODES} node names (${NODE_NAME.allowed})`,
));
const strict = <T extends Record<string, TSchema>>(properties: T, title: string) => Type.Object(properties, { additionalProperties: false, title });

export const OpenFrame = strict({
  type: Type.Literal('open'),
  supportCase: field(Type.String({ pattern: SUPPORT_CASE_NUMBER.pattern }), 'InvalidChannelMessage', `the support case number: ${SUPPORT_CASE_NUMBER.allowed}`),
  nodes,
}, 'OpenFrame');
export const RunFrame = strict({
  type: Type.Literal('run'),
  id: field(Type.String({ pattern: REQUEST_ID.pattern }), 'InvalidChannelMessage', REQUEST_ID.allowed),
  line: field(Type.String({ maxLength: MAX_COMMAND_LINE }), 'InvalidChannelMessage', `a command line of at most ${MAX_COMMAND_LINE} characters`),
  nodes,
  reason: Type.Optional(field(
    Type.String({ minLength: 1, maxLength: MAX_APPROVAL_REASON, pattern: '^[^\\u0000-\\u001f\\u007f]+$', description: 'Why the engineer runs it: the admin sees it with a repair that waits for approval, and the transcript keeps it' }),
    'InvalidChannelMessage',
    `a reason of 1 to ${MAX_APPROVAL_REASON} characters without control characters`,
  )),
}, 'RunFrame');
export const CloseFrame = strict({ type: Type.Literal('close') }, 'CloseFrame');

/** Engineer → gateway. */
export type ClientMessage = Static<typeof OpenFrame> | Static<typeof RunFrame> | Static<typeof CloseFrame>;

/** What a command did on one node, as the engineer receives it. */
const NodeDone = Type.Object({ node: Type.String(), ok: Type.Literal(true), text: Type.String(), objects: Type.Array(Type.Unknown()), errors: Type.Array(Type.Unknown()) });
const NodeFailed = Type.Object({ node: Type.String(), ok: Type.Literal(false), error: Type.Object({ code: Type.String(), message: Type.String() }) });
export const NodeOutcome = Type.Union([NodeDone, NodeFailed], { title: 'NodeOutcome' });
export type NodeOutcome = Static<typeof NodeOutcome>;

const frame = <T extends Record<string, TSchema>>(properties: T, title: string) => Type.Object(properties, { title });
export const OpenedFrame = frame({
  type: Type.Literal('opened'),
  sessionId: Type.String(),
  cluster: Type.String(),
  accessLevel: Type.String(),
  expiresAt: Type.String(),
  secondsLeft: Type.Integer(),
  nodes: Type.Array(Type.String()),
  commands: Type.Array(Type.String()),
  idleTimeoutSeconds: Type.Integer(),
}, 'OpenedFrame');
export const AcceptedFrame = frame({
  type: Type.Literal('accepted'),
  id: Type.String(),
  command: Type.Object({ cmdlet: Type.String(), parameters: Type.Record(Type.String(), Type.Unknown()) }),
  nodes: Type.Array(Type.String()),
}, 'AcceptedFrame');
export const DeniedFrame = frame({ type: Type.Literal('denied'), id: Type.String(), reason: Type.String(), message: Type.String(), accessLevel: Type.String(), secondsLeft: Type.Integer() }, 'DeniedFrame');
export const OutputFrame = Type.Union([
  Type.Composite([Type.Object({ type: Type.Literal('output'), id: Type.String() }), NodeDone]),
  Type.Composite([Type.Object({ type: Type.Literal('output'), id: Type.String() }), NodeFailed]),
], { title: 'OutputFrame' });
export const ApprovalPendingFrame = frame({
  type: Type.Literal('approval-pending'),
  id: Type.String(),
  approvalId: Type.String(),
  node: Type.String(),
  command: Type.Object({ cmdlet: Type.String(), parameters: Type.Record(Type.String(), Type.Unknown()) }),
  expiresAt: Type.String(),
  secondsToAnswer: Type.Integer(),
  message: Type.String(),
}, 'ApprovalPendingFrame');
export const DoneFrame = frame({ type: Type.Literal('done'), id: Type.String(), accessLevel: Type.String(), secondsLeft: Type.Integer() }, 'DoneFrame');
export const ErrorFrame = frame({ type: Type.Literal('error'), code: Type.String(), message: Type.String(), id: Type.Optional(Type.String()) }, 'ErrorFrame');
export const EndedFrame = frame({ type: Type.Literal('ended'), reason: Type.String(), message: Type.String() }, 'EndedFrame');

/** Gateway → engineer. */
export type ServerMessage =
  | Static<typeof OpenedFrame>
  | Static<typeof AcceptedFrame>
  | Static<typeof DeniedFrame>
  | Static<typeof ApprovalPendingFrame>
  | Static<typeof OutputFrame>
  | Static<typeof DoneFrame>
  | Static<typeof ErrorFrame>
  | Static<typeof EndedFrame>;

/** Every frame of the channel, by name. */
export const CHANNEL_FRAMES = { OpenFrame, RunFrame, CloseFrame, OpenedFrame, AcceptedFrame, DeniedFrame, ApprovalPendingFrame, OutputFrame, DoneFrame, ErrorFrame, EndedFrame } as const;

const FRAMES = { open: validator<ClientMessage>(OpenFrame, 'channel'), run: validator<ClientMessage>(RunFrame, 'channel'), close: validator<ClientMessage>(CloseFrame, 'channel') };
const NOT_A_MESSAGE = 'A channel message must be a JSON object with a type of open, run or close';

/** The request id of a frame, when it has a usable one, so even a refused `run` gets its answer. */
export function requestIdOf(frame: string): string | undefined {
  try {
    const id = (JSON.parse(frame) as { id?: unknown }).id;
    return typeof id === 'string' && new RegExp(REQUEST_ID.pattern).test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Parses and checks one frame from the engineer; throws InvalidChannelMessage (or UnknownField) naming the field. */
export function parseClientMessage(frame: string): ClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(frame);
  } catch {
    throw new RemoteSupportError('InvalidChannelMessage', NOT_A_MESSAGE);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RemoteSupportError('InvalidChannelMessage', NOT_A_MESSAGE);
  // JSON.parse keeps the last of two equal keys; a message must mean one thing.
  const duplicate = duplicateKey(frame);
  if (duplicate) throw new RemoteSupportError('InvalidChannelMessage', `The message names the field ${duplicate.path} more than once; send each field once`, duplicate.key);
  const type = (value as { type?: unknown }).type;
  if (type !== 'open' && type !== 'run' && type !== 'close') throw fieldError('InvalidChannelMessage', 'type', 'open, run or close', type);
  const message = FRAMES[type](value);
  // Naming a node twice runs the command there once.
  return 'nodes' in message && message.nodes ? { ...message, nodes: [...new Set(message.nodes)] } : message;
}
