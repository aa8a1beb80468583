import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { field } from '../contract/field';
import { RemoteSupportError } from '../domain/errors';
import { PowerShellApiSessions, SessionAnswer } from './powershell-api-sessions';

/** Where the SDK's PowerShell API calls go (Net.powerShellApi* after NodeConnection.getNodeMappedUrl). */
export const POWERSHELL_API_PREFIX = '/api/nodes/:node/features/powershellApi';

const COMMAND_ALLOWED = 'an object {"properties": {"script": text of 1 to 60000 characters, "parameters": an object of parameter values or null, "waitTimeMs": 0 to 600000}} (Net.createPropertiesJSONString of a PowerShellCommand)';

/** The body every invoke carries: the SDK's PowerShellCommand packet inside `properties`. */
const CommandBody = Type.Object(
  {
    properties: field(
      Type.Object(
        {
          script: Type.String({ minLength: 1, maxLength: 60_000 }),
          parameters: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()])),
          waitTimeMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 600_000 })),
        },
        // command, module, state, useInProcRunspace, invokeMode: the SDK sends them; the stand-in runs `script`, as WAC does outside JEA.
        { additionalProperties: true },
      ),
      'InvalidPowerShellCommand',
      COMMAND_ALLOWED,
    ),
  },
  { additionalProperties: false },
);
type CommandBody = { properties: { script: string; parameters?: Record<string, unknown> | null; waitTimeMs?: number } };

const NODE = field(Type.String({ minLength: 1, maxLength: 253 }), 'ClusterNotFound', 'the cluster this gateway serves or one of its nodes');
const SESSION_ID = field(Type.String({ pattern: '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' }), 'PowerShellSessionNotFound', 'a session id (a UUID) from an earlier answer');
const NodeParams = Type.Object({ node: NODE });
const SessionParams = Type.Object({ node: NODE, sessionId: SESSION_ID });
const NameParams = Type.Object({ node: NODE, sessionName: field(Type.String({ minLength: 1, maxLength: 256 }), 'InvalidPowerShellCommand', 'a session name of 1 to 256 characters') });
const OutputQuery = Type.Object({ $expand: Type.Optional(field(Type.Literal('output'), 'InvalidPowerShellCommand', 'output')) });

/**
 * Registers the SDK's PowerShell API on `scope` (already prefixed with
 * {@link POWERSHELL_API_PREFIX} and authenticated like the admin API).
 * `node` must be the served cluster or one of its nodes.
 */
export function registerPowerShellApi(scope: FastifyInstance, sessions: PowerShellApiSessions, knownNodes: () => string[]): void {
  const node = (r: FastifyRequest) => {
    const name = (r.params as { node: string }).node;
    const known = knownNodes();
    if (!known.some((n) => n.toLowerCase() === name.toLowerCase())) {
      throw new RemoteSupportError('ClusterNotFound', `${name} is not served by this gateway; PowerShell runs on ${known.join(', ')}`, 'node', known.join(', '));
    }
    return name;
  };
  const id = (r: FastifyRequest) => (r.params as { sessionId: string }).sessionId;
  const command = (r: FastifyRequest) => {
    const { script, parameters, waitTimeMs } = (r.body as CommandBody).properties;
    return [script, parameters ?? {}, waitTimeMs] as const;
  };
  const send = (reply: FastifyReply, answer: SessionAnswer) => reply.code(answer.status).send(answer.body);
  const hidden = { hide: true };

  scope.put('/pssessions/:sessionName', { schema: { ...hidden, params: NameParams, body: CommandBody } }, async (r, reply) =>
    send(reply, await sessions.open(node(r), (r.params as { sessionName: string }).sessionName, ...command(r))),
  );
  scope.post('/invokeCommand', { schema: { ...hidden, params: NodeParams, body: CommandBody } }, async (r, reply) => send(reply, await sessions.invokeOnce(node(r), ...command(r))));
  scope.post('/pssessions/:sessionId/invokeCommand', { schema: { ...hidden, params: SessionParams, body: CommandBody } }, async (r, reply) =>
    send(reply, await sessions.invokeIn(node(r), id(r), ...command(r))),
  );
  scope.get('/pssessions/:sessionId', { schema: { ...hidden, params: SessionParams, querystring: OutputQuery } }, async (r, reply) => {
    if ((r.query as { $expand?: string }).$expand === 'output') return send(reply, await sessions.output(node(r), id(r)));
    return sessions.state(node(r), id(r));
  });
  scope.post('/pssessions/:sessionId/cancel', { schema: { ...hidden, params: SessionParams } }, async (r) => sessions.cancel(node(r), id(r)));
  scope.delete('/pssessions/:sessionId', { schema: { ...hidden, params: SessionParams } }, async (r) => {
    sessions.close(node(r), id(r));
    return {};
  });
}
