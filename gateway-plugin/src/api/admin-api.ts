import fastifyCookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import { TSchema } from '@sinclair/typebox';
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServerResponse, STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { Duplex } from 'node:stream';
import { AdminAuthenticator, AdminPrincipal, bearer, LocalCredentialAuthenticator, SESSION_COOKIE, SignInThrottled, XSRF_COOKIE, XSRF_HEADER } from '../auth/admin-auth';
import { primaryOf } from '../auth/machine-credential';
import type { AdjustableClock } from '../domain/clock';
import * as C from '../contract/admin-api';
import { parseJsonBody } from '../contract/json-body';
import { ENGINEER_PREFIX, ENGINEER_ROUTES as E, FEATURE_ROUTES as F, GATEWAY_ROUTES as G, TEST_ROUTES as T } from '../contract/routes';
import { withSchemaComponents } from '../contract/named-schemas';
import { validator } from '../contract/validation';
import { statusOf } from './error-status';
import { createError, fieldError, isRemoteSupportError, RemoteSupportError } from '../domain/errors';
import { EventHub } from '../events/event-hub';
import { EventStream, EventStreams } from '../events/event-streams';
import { RemoteSupportDesk } from '../service/remote-support-desk';
import { API_POLICY, HSTS, isLoopbackHost, pagePolicy } from './security-headers';
import { ConnectionLimits, createLimitedServer, DEFAULT_CONNECTION_LIMITS } from './connection-limits';

/** WAC's feature URL convention: the extension calls the plugin under this path. */
export const FEATURE_PREFIX = '/api/nodes/:cluster/features/remoteSupport';
/** Where the gateway serves its OpenAPI document (outside the feature prefix, so it needs no cluster and no sign-in). */
export const OPENAPI_PATH = '/api/openapi.json';
/** The version of the admin API the OpenAPI document describes. */
export const API_VERSION = '1.0.0';

export interface AdminApiOptions {
  desks: Map<string, RemoteSupportDesk>;
  auth: AdminAuthenticator;
  events: EventHub;
  tls?: { cert: string; key: string };
  /** Test mode only: the movable clock behind /api/test/clock. */
  testClock?: AdjustableClock;
  /** Test mode only: fault injection behind /api/test/faults. */
  testFaults?: (node: string, faults: { offline?: boolean; delayMs?: number; hang?: boolean }) => boolean;
  log?: (line: string) => void;
  /** The gateway's pino logger: fastify logs each request with it. Without it fastify logs nothing. */
  logger?: FastifyBaseLogger;
  /** Heartbeat period of the event stream. */
  heartbeatMs?: number;
  /** The origin of the Windows Admin Center allowed to frame the extension (https://wac.contoso.com), besides the gateway's own. */
  wacOrigin?: string;
  /** Connection caps and request timeouts; DEFAULT_CONNECTION_LIMITS when absent. */
  connections?: ConnectionLimits;
  /** The live event streams (caps and backpressure); one with the default limits when absent. */
  eventStreams?: EventStreams;
  /** How the host page's extension reaches the gateway (GET /api/gateway-info says it); direct when absent. */
  wacTransport?: WacTransport;
  /**
   * Routes served under `prefix` behind the admin API's authentication: the
   * WAC PowerShell API stand-in when the gateway runs with --wac-transport powershell.
   */
  powerShellApi?: { prefix: string; register: (scope: FastifyInstance) => void };
  /** The latest notification deliveries of a cluster (docs/notifications.md); an empty list when none are configured. */
  notificationDeliveries?: (cluster: string) => C.NotificationDeliveryList;
  /** Checks a support engineer's bearer token (the support channel's validator and role); without it the engineers' routes refuse every call. */
  engineers?: { authenticate(token: string): Promise<{ name: string; id: string | null }> };
}

/** direct: the extension calls the admin API itself; powershell: it runs the module's cmdlets through the SDK's PowerShell API. */
export type WacTransport = 'direct' | 'powershell';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: AdminPrincipal;
    desk?: RemoteSupportDesk;
    /** A support engineer, on the engineers' routes. */
    engineer?: { name: string; id: string | null };
  }
}

/** Builds the admin API. The caller listens (`app.listen`) and closes it. */
export function buildAdminApi(options: AdminApiOptions): FastifyInstance {
  const log = options.log ?? (() => {});
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 64 * 1024,
    // Longer than any id, so an overlong one is refused by its schema (naming the field), not answered RouteNotFound.
    routerOptions: { maxParamLength: 4096 },
    forceCloseConnections: true,
    // A URL fastify's router cannot read (bad percent-encoding, an overlong segment) answers in the catalog's shape.
    frameworkErrors: (error, _request, reply) => void sendError(reply, toCatalogError(error)),
    // Errors of the HTTP parser itself (headers too large, garbage, a request that took too long) come before any route.
    clientErrorHandler: (error: Error & { code?: string }, socket) => answerClientError(error, socket),
    // The server is made here so its TLS suites, timeouts and connection caps are the gateway's (connection-limits.ts).
    serverFactory: (handler) => createLimitedServer(handler, options.connections ?? DEFAULT_CONNECTION_LIMITS, options.tls),
  }) as unknown as FastifyInstance;

  const streams = new Set<ServerResponse>();
  const eventStreams = options.eventStreams ?? new EventStreams(options.events);

  // Some clients send content-type: application/json with an empty body on
  // DELETE or a body-less POST; treat that as no body rather than an error.
  app.removeContentTypeParser('application/json');
  // The API reads JSON only: any other body is refused as 415 rather than read as a string that fails validation.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      // Duplicate keys are refused: JSON.parse would keep the last one quietly.
      done(null, parseJsonBody(text));
    } catch (error) {
      done(error as Error, undefined);
    }
  });

  // Parses cookies for every route; signs the local sign-in's session cookie.
  const local = primaryOf(options.auth);
  void app.register(fastifyCookie, local instanceof LocalCredentialAuthenticator ? { secret: local.cookieSigner } : {});

  // Requests are checked with the contract's compiled schemas, so a refusal is a catalog error naming the field.
  app.setValidatorCompiler(({ schema, httpPart }) => {
    const check = validator(schema as TSchema, httpPart === 'querystring' || httpPart === 'params' ? httpPart : 'body');
    return (data: unknown) => {
      try {
        // A body-less request is an empty object, so a missing required field is named.
        return { value: check(httpPart === 'body' && (data === null || data === undefined) ? {} : data) };
      } catch (error) {
        return { error: error as Error };
      }
    };
  });

  app.setErrorHandler((error: unknown, _request, reply) => {
    const err = toCatalogError(error);
    // Only the gateway's own failures are logged with their stack; a client's mistake is its answer, not a log entry.
    if (statusOf(err.code) >= 500) log(`internal error: ${error instanceof Error ? error.stack : String(error)}`);
    sendError(reply, err);
  });
  app.setNotFoundHandler((request, reply) => {
    sendError(reply, createError('RouteNotFound', `No API operation answers ${request.method} ${request.url.split('?')[0]}`));
  });

  const pageCsp = pagePolicy(options.wacOrigin);
  app.addHook('onRequest', async (request, reply) => {
    void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
    void reply.header('referrer-policy', 'no-referrer');
    if (!isLoopbackHost(request.hostname)) void reply.header('strict-transport-security', HSTS);
  });
  // Pages (the host page, the extension) get the pages' policy, everything else the API's closed one;
  // a route that set its own policy keeps it.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (!reply.hasHeader('content-security-policy')) {
      const type = String(reply.getHeader('content-type') ?? '');
      void reply.header('content-security-policy', type.startsWith('text/html') ? pageCsp : API_POLICY);
    }
    return payload;
  });
  // A caller without credentials gets its 401 and nothing more: the connection closes once the answer is out,
  // so a client dripping its body after the refusal holds nothing open.
  app.addHook('onSend', async (_request, reply, payload) => {
    if (reply.statusCode === 401) void reply.header('connection', 'close');
    return payload;
  });

  /** The local credential's sign-in; login links and browser sessions have no meaning with Entra ID. */
  const localSignIn = (): LocalCredentialAuthenticator => {
    if (local instanceof LocalCredentialAuthenticator) return local;
    throw createError('LocalSignInOnly', 'Login links and browser sessions exist only with the local admin credential; with Entra ID, sign in through Windows Admin Center');
  };

  const authenticate = async (request: FastifyRequest) => {
    request.principal = await options.auth.authenticate({ method: request.method, headers: request.headers, cookies: request.cookies });
    const cluster = (request.params as { cluster?: string }).cluster;
    if (cluster !== undefined) {
      const desk = findDesk(options.desks, cluster);
      if (!desk) {
        throw new RemoteSupportError('ClusterNotFound', `${cluster} is not served by this gateway; it serves ${[...options.desks.keys()].join(', ')}`, 'cluster', [...options.desks.keys()].join(', '));
      }
      request.desk = desk;
    }
  };

  // The OpenAPI document is made from the routes' schemas; it is served without sign-in (it holds no data).
  app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Remote Support for Azure Stack HCI: gateway admin API', version: API_VERSION },
      tags: [
        { name: 'cluster', description: "The cluster's state and prerequisites" },
        { name: 'agent', description: 'Installing and removing the remote support agent (JEA endpoints)' },
        { name: 'access', description: 'Consent grants: give, list and revoke access' },
        { name: 'sessions', description: 'Session history, transcripts, export and verification' },
        { name: 'requests', description: 'Access requests: engineers ask, administrators answer' },
        { name: 'events', description: 'Live events' },
        { name: 'gateway', description: 'The gateway itself' },
        { name: 'sign-in', description: "The embedded default's browser sign-in: one-time login links and sessions" },
      ],
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', description: 'An Entra ID token with the admin role, or the local admin credential (embedded default)' },
          engineer: { type: 'http', scheme: 'bearer', description: "A support engineer's Entra ID token with the engineer role (the support channel's)" },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: `The embedded default's sign-in cookie; changes also need the ${XSRF_HEADER} header` },
        },
      },
      security: [{ bearer: [] }, { session: [] }],
    },
    transformObject: (doc) => withSchemaComponents('openapiObject' in doc ? doc.openapiObject : doc.swaggerObject) as never,
  });
  app.get(OPENAPI_PATH, { schema: { hide: true } }, async () => app.swagger());

  app.register(async (root) => {
    root.route({ ...G.getHealth, handler: async () => ({ status: 'ok' as const }) });
    // The WAC SDK's telemetry probes this path of its gateway; there is nothing to report.
    root.get('/api/gateway/status', { schema: { hide: true } }, async () => ({}));

    // What the WAC-shell host page needs to set up the cluster connection.
    root.route({
      ...G.getGatewayInfo,
      onRequest: authenticate,
      handler: async () => {
        const clusters = [...options.desks.keys()];
        return { cluster: clusters[0]!, clusters, featurePrefix: FEATURE_PREFIX, wacTransport: options.wacTransport ?? 'direct' };
      },
    });

    // The embedded default's sign-in: trades a one-time login code for a session and its cookies.
    root.get('/login', { schema: { hide: true } }, async (request, reply) => {
      const auth = localSignIn();
      const signedIn = auth.signIn(request.query as Record<string, unknown>, request.ip);
      const secure = { path: '/', secure: true, sameSite: 'strict' } as const;
      void reply.setCookie(SESSION_COOKIE, signedIn.cookie, { ...secure, httpOnly: true, signed: true });
      void reply.setCookie(XSRF_COOKIE, signedIn.xsrf, secure);
      return reply.redirect('/', 303);
    });

    root.route({
      ...G.createLoginLink,
      onRequest: authenticate,
      handler: async (_r, reply) => {
        const link = localSignIn().mintLoginLink();
        return reply.code(201).send({ path: link.path, expiresAt: iso(link.expiresAt) });
      },
    });
    root.route({
      ...G.listAdminSessions,
      onRequest: authenticate,
      handler: async (r) => ({ sessions: localSignIn().listSessions().map((s) => adminSessionView(s, r.principal!)) }),
    });
    root.route({
      ...G.revokeAdminSession,
      onRequest: authenticate,
      handler: async (r) => {
        const auth = localSignIn();
        const id = (r.params as { sessionId: string }).sessionId;
        auth.revokeSession(id);
        const found = auth.listSessions().find((s) => s.session.id === id);
        if (!found) throw createError('AdminSessionNotFound', `No signed-in browser session ${id} is within its 12-hour life; GET /api/admin-sessions lists them`);
        return { session: adminSessionView(found, r.principal!) };
      },
    });
    root.route({
      ...G.signOut,
      onRequest: authenticate,
      handler: async (r, reply) => {
        const sessionId = r.principal!.sessionId;
        const signedOut = sessionId !== undefined && local instanceof LocalCredentialAuthenticator && local.revokeSession(sessionId);
        void reply.clearCookie(SESSION_COOKIE, { path: '/' });
        void reply.clearCookie(XSRF_COOKIE, { path: '/' });
        return { signedOut };
      },
    });
  });

  app.register(async (feature) => {
    // Authentication runs before the body is read, so an anonymous caller costs no parsing.
    feature.addHook('onRequest', authenticate);
    const desk = (r: FastifyRequest) => r.desk!;
    /** Who acts, for the audit trail: the principal's display name and stable id. */
    const who = (r: FastifyRequest) => r.principal!;
    /** The request's parts, as the route's schemas have checked them. */
    const query = <T>(r: FastifyRequest) => r.query as T;
    const body = <T>(r: FastifyRequest) => r.body as T;
    const sessionId = (r: FastifyRequest) => (r.params as { sessionId: string }).sessionId;
    const requestId = (r: FastifyRequest) => (r.params as { requestId: string }).requestId;

    feature.route({ ...F.getStatus, handler: async (r) => desk(r).status() });
    feature.route({ ...F.getTerms, handler: async (r) => desk(r).terms() });
    feature.route({ ...F.getPrerequisites, handler: async (r) => desk(r).prerequisites() });
    feature.route({ ...F.listCommands, handler: async (r) => desk(r).commands(query<C.CommandsQuery>(r)) });
    feature.route({ ...F.getAgentFiles, handler: async (r) => desk(r).jeaFiles() });

    for (const kind of ['install', 'remove'] as const) {
      feature.route({
        ...(kind === 'install' ? F.installAgent : F.removeAgent),
        handler: async (r, reply) => {
          const { operation } = desk(r).startAgentOperation(kind, body<C.AgentRequest>(r), who(r));
          return reply.code(202).header('location', `${r.url.split('?')[0]!.replace(/\/agent\/\w+$/, '')}/agent/operations/${operation.id}`).send({ operation });
        },
      });
    }
    feature.route({ ...F.getAgentOperation, handler: async (r) => ({ operation: desk(r).operation((r.params as { operationId: string }).operationId) }) });

    feature.route({ ...F.listAccess, handler: async (r) => desk(r).access(query<C.AccessQuery>(r)) });
    feature.route({ ...F.grantAccess, handler: async (r, reply) => reply.code(201).send(desk(r).grant(body<C.GrantRequest>(r), who(r))) });
    feature.route({ ...F.revokeAccess, handler: async (r) => desk(r).revoke(who(r)) });
    feature.route({ ...F.listApprovals, handler: async (r) => desk(r).pendingApprovals() });
    feature.route({ ...F.decideApproval, handler: async (r) => desk(r).decideApproval((r.params as { approvalId: string }).approvalId, body<C.RepairDecisionRequest>(r), who(r)) });
    feature.route({ ...F.getDenyList, handler: async (r) => desk(r).denyList() });
    feature.route({ ...F.putDenyList, handler: async (r) => desk(r).putDenyList(body<C.DenyListRequest>(r), who(r)) });

    feature.route({ ...F.listSessions, handler: async (r) => desk(r).history(query<C.HistoryQuery>(r)) });
    feature.route({ ...F.searchTranscripts, handler: async (r) => desk(r).search(query<C.SearchQuery>(r), who(r)) });
    feature.route({ ...F.getSession, handler: async (r) => desk(r).session(sessionId(r), query<C.SessionQuery>(r), who(r)) });
    feature.route({ ...F.listRequests, handler: async (r) => desk(r).requests.list(query<C.RequestListQuery>(r)) });
    feature.route({ ...F.getRequest, handler: async (r) => desk(r).requests.get(requestId(r)) });
    feature.route({ ...F.approveRequest, handler: async (r) => desk(r).requests.approve(requestId(r), body<C.RequestApproval>(r), who(r)) });
    feature.route({ ...F.denyRequest, handler: async (r) => desk(r).requests.deny(requestId(r), body<C.RequestDenial>(r), who(r)) });
    feature.route({ ...F.askAboutRequest, handler: async (r) => desk(r).requests.ask(requestId(r), body<C.RequestQuestion>(r), who(r)) });
    feature.route({ ...F.listRecordReads, handler: async (r) => desk(r).recordReads(query<C.RecordReadQuery>(r)) });
    feature.route({ ...F.endSession, handler: async (r) => desk(r).endSession(sessionId(r), who(r)) });
    feature.route({
      ...F.exportSession,
      handler: async (r, reply) => {
        const format = query<C.ExportQuery>(r).format ?? 'json';
        const file = await desk(r).exportFile(sessionId(r), format, who(r));
        void reply.header('content-disposition', `attachment; filename="${file.fileName}"`);
        // The read worker wrote the body: it goes out as it is, never serialized again here, in slices, so that
        // encrypting a large export for TLS takes turns with every other request instead of one long stretch.
        return reply.type(format === 'json' ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8').send(Readable.from(slices(file.body, EXPORT_SLICE_BYTES)));
      },
    });
    feature.route({
      ...F.listNotificationDeliveries,
      handler: async (r) => options.notificationDeliveries?.(desk(r).name) ?? { configured: false, deliveries: [], dropped: 0 },
    });
    feature.route({ ...F.verifySession, handler: async (r) => ({ verification: await desk(r).verify(sessionId(r), who(r)) }) });

    feature.route({ ...F.streamEvents, handler: async (r, reply) => {
      const cluster = desk(r).name;
      const lastId = Number((r.headers['last-event-id'] as string | undefined) ?? 'NaN');
      const res = reply.raw;
      const sink = {
        write: (text: string) => void res.write(text),
        // What the response and its socket hold before the network.
        get bufferedBytes() {
          return res.writableLength;
        },
        drop: () => void res.destroy(),
      };
      // Refused (a catalog error through the error handler) before any byte of the stream is written.
      eventStreams.admit(who(r).name);
      reply.hijack();
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const stream: EventStream = eventStreams.subscribe(who(r).name, cluster, Number.isInteger(lastId) ? lastId : undefined, sink);
      const heartbeat = setInterval(() => stream.heartbeat(), options.heartbeatMs ?? 15_000);
      streams.add(res);
      res.on('close', () => {
        clearInterval(heartbeat);
        stream.dispose();
        streams.delete(res);
      });
    } });
  }, { prefix: FEATURE_PREFIX });

  const engineers = options.engineers;
  app.register(async (support) => {
    // The engineer's token is checked before anything is read; the cluster must be one this gateway serves.
    support.addHook('onRequest', async (request) => {
      const token = bearer(request.headers);
      if (!token || !engineers) throw createError('Unauthenticated', 'Send an Entra ID access token with the engineer role as "Authorization: Bearer <token>"');
      request.engineer = await engineers.authenticate(token);
      const cluster = (request.params as { cluster?: string }).cluster ?? '';
      const desk = findDesk(options.desks, cluster);
      if (!desk) throw new RemoteSupportError('ClusterNotFound', `${cluster} is not served by this gateway; it serves ${[...options.desks.keys()].join(', ')}`, 'cluster', [...options.desks.keys()].join(', '));
      request.desk = desk;
    });
    const requests = (r: FastifyRequest) => r.desk!.requests;
    const requestId = (r: FastifyRequest) => (r.params as { requestId: string }).requestId;
    support.route({ ...E.createAccessRequest, handler: async (r, reply) => reply.code(201).send(requests(r).create(r.body as C.NewAccessRequest, r.engineer!)) });
    support.route({
      ...E.watchAccessRequest,
      handler: async (r) =>
        requests(r).watch(requestId(r), r.engineer!, (r.query as C.RequestWaitQuery).waitSeconds ?? 0, (id, listener) =>
          options.events.subscribe((event) => {
            if ((event.type === 'request.updated' || event.type === 'request.expired') && (event.data as { id?: string }).id === id) listener();
          }),
        ),
    });
    support.route({ ...E.replyToAccessRequest, handler: async (r) => requests(r).reply(requestId(r), r.body as C.RequestReply, r.engineer!) });
  }, { prefix: ENGINEER_PREFIX });

  const powerShellApi = options.powerShellApi;
  if (powerShellApi) {
    app.register(async (scope) => {
      scope.addHook('onRequest', authenticate);
      powerShellApi.register(scope);
    }, { prefix: powerShellApi.prefix });
  }

  if (options.testClock || options.testFaults) {
    const clock = options.testClock;
    const faults = options.testFaults;
    app.register(async (test) => {
      test.addHook('onRequest', authenticate);
      if (faults) {
        test.route({
          ...T.injectFault,
          handler: async (r) => {
            const fault = r.body as C.TestFault;
            if (!faults(fault.node, fault)) throw fieldError('InvalidTestFault', 'node', 'a node name of the cluster', fault.node);
            return { node: fault.node, applied: fault };
          },
        });
      }
      if (!clock) return;
      const now = () => ({ now: new Date(clock.now()).toISOString(), offsetMs: clock.offset });
      test.route({ ...T.getTestClock, handler: async () => now() });
      test.route({
        ...T.advanceTestClock,
        handler: async (r) => {
          clock.advance((r.body as { advanceMs: number }).advanceMs);
          return now();
        },
      });
    }, { prefix: '/api/test' });
  } else {
    app.all('/api/test/*', { schema: { hide: true } }, async () => {
      throw createError('TestModeOnly', 'Test operations exist only when the gateway runs with --mode test');
    });
  }

  app.addHook('onClose', async () => {
    for (const res of streams) res.end();
  });
  return app;
}

const iso = (ms: number) => new Date(ms).toISOString();

function adminSessionView(s: ReturnType<LocalCredentialAuthenticator['listSessions']>[number], principal: AdminPrincipal): C.AdminSessionView {
  const { session } = s;
  return {
    id: session.id,
    name: session.name,
    createdAt: iso(session.createdAt),
    lastSeenAt: iso(session.lastSeenAt),
    endsAt: iso(s.endsAt),
    revokedAt: session.revokedAt === null ? null : iso(session.revokedAt),
    state: s.state,
    current: principal.sessionId === session.id,
  };
}

function findDesk(desks: Map<string, RemoteSupportDesk>, name: string): RemoteSupportDesk | undefined {
  // Cluster names are DNS names: compare without case, as WAC does.
  const lower = name.toLowerCase();
  for (const [key, desk] of desks) if (key.toLowerCase() === lower) return desk;
  return undefined;
}

function sendError(reply: FastifyReply, err: RemoteSupportError): void {
  if (err instanceof SignInThrottled) void reply.header('retry-after', String(err.retryAfterSeconds));
  void reply.code(statusOf(err.code)).header('cache-control', 'no-store').send({ error: err.toBody() });
}

/** Answers an error of the HTTP parser on the raw socket, in the catalog's shape, and closes the connection. */
function answerClientError(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const err =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? createError('HeadersTooLarge', 'The request headers and URL are larger than the gateway accepts (16 KiB in all)')
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? createError('RequestTimeout', 'The request headers or body did not arrive in time; the connection is closed')
        : createError('MalformedRequest', `The request is not well-formed HTTP (${error.code ?? 'unreadable'})`);
  const status = statusOf(err.code);
  const body = JSON.stringify({ error: err.toBody() });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  // Closed once the answer is out, whatever the client still sends.
  socket.once('finish', () => socket.destroy());
  socket.end();
}

/** Maps anything thrown to a catalog error; fastify's own request errors get codes of their own. */
function toCatalogError(error: unknown): RemoteSupportError {
  if (isRemoteSupportError(error)) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  switch (e.code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return createError('UnsupportedMediaType', 'The request body must be JSON (content-type: application/json)');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return createError('BodyTooLarge', 'The request body is larger than the gateway accepts (64 KiB)');
    case 'FST_ERR_BAD_URL':
      return createError('InvalidUrl', 'The request URL has a malformed percent-encoding');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return createError('InvalidUrl', 'A segment of the request URL is longer than the gateway accepts');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return createError('InvalidBody', `The request body must be a JSON object (${e.message ?? 'unreadable'})`);
  }
  return createError('Internal', 'The gateway failed unexpectedly; the error is in its log');
}

/** How much of an export goes to the socket at a time. */
const EXPORT_SLICE_BYTES = 64 * 1024;

/** A buffer as consecutive views of at most `size` bytes (no copy). */
function* slices(body: Buffer, size: number): Generator<Buffer> {
  for (let at = 0; at < body.length; at += size) yield body.subarray(at, at + size);
}

export type { FastifyReply };
