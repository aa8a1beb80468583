import fastifyCookie from '@fastify/cookie';
import Fastify, { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServerResponse } from 'node:http';
import { AdminAuthenticator, AdminPrincipal, LocalCredentialAuthenticator, SESSION_COOKIE, XSRF_COOKIE } from '../auth/admin-auth';
import type { AdjustableClock } from '../domain/clock';
import { statusOf } from './error-status';
import { createError, fieldError, isRemoteSupportError, RemoteSupportError } from '../domain/errors';
import { readObject } from '../domain/input';
import { EventHub, LiveEvent } from '../events/event-hub';
import { RemoteSupportDesk } from '../service/remote-support-desk';
import { transcriptText } from '../domain/transcript-export';
import { MIN_TLS_VERSION } from '../tls/certificates';

/** WAC's feature URL convention: the extension calls the plugin under this path. */
export const FEATURE_PREFIX = '/api/nodes/:cluster/features/remoteSupport';

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
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: AdminPrincipal;
    desk?: RemoteSupportDesk;
  }
}

/** Builds the admin API. The caller listens (`app.listen`) and closes it. */
export function buildAdminApi(options: AdminApiOptions): FastifyInstance {
  const log = options.log ?? (() => {});
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: 64 * 1024,
    forceCloseConnections: true,
    ...(options.tls ? { https: { cert: options.tls.cert, key: options.tls.key, minVersion: MIN_TLS_VERSION } } : {}),
  }) as unknown as FastifyInstance;

  const streams = new Set<ServerResponse>();

  // Some clients send content-type: application/json with an empty body on
  // DELETE or a body-less POST; treat that as no body rather than an error.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') {
      done(null, undefined);
      return;
    }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(createError('InvalidBody', 'The request body is not valid JSON'), undefined);
    }
  });

  // Parses cookies for every route; signs the local sign-in's session cookie.
  void app.register(fastifyCookie, options.auth instanceof LocalCredentialAuthenticator ? { secret: options.auth.cookieSigner } : {});

  app.setErrorHandler((error: unknown, _request, reply) => {
    const err = toCatalogError(error);
    if (statusOf(err.code) >= 500) log(`internal error: ${error instanceof Error ? error.stack : String(error)}`);
    void reply.code(statusOf(err.code)).header('cache-control', 'no-store').send({ error: err.toBody() });
  });
  app.setNotFoundHandler((request, reply) => {
    const err = createError('RouteNotFound', `No API operation answers ${request.method} ${request.url.split('?')[0]}`);
    void reply.code(statusOf(err.code)).send({ error: err.toBody() });
  });

  app.addHook('onRequest', async (_request, reply) => {
    void reply.header('cache-control', 'no-store');
    void reply.header('x-content-type-options', 'nosniff');
  });

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

  app.get('/health', async () => ({ status: 'ok' }));
  // The WAC SDK's telemetry probes this path of its gateway; there is nothing to report.
  app.get('/api/gateway/status', async () => ({}));

  // What the WAC-shell host page needs to set up the cluster connection.
  app.get('/api/gateway-info', { onRequest: authenticate }, async () => {
    const clusters = [...options.desks.keys()];
    return { cluster: clusters[0], clusters, featurePrefix: FEATURE_PREFIX };
  });

  // The embedded default's sign-in: trades the admin credential for cookies.
  app.get('/login', async (request, reply) => {
    const auth = options.auth;
    const token = (request.query as Record<string, unknown>)['token'];
    if (!(auth instanceof LocalCredentialAuthenticator) || !auth.checkLoginToken(token)) {
      throw createError('Unauthenticated', 'The login link is not valid: use the URL the gateway printed at first start, with the credential from the admin-credential file');
    }
    const secure = { path: '/', secure: true, sameSite: 'strict' } as const;
    void reply.setCookie(SESSION_COOKIE, auth.sessionName, { ...secure, httpOnly: true, signed: true });
    void reply.setCookie(XSRF_COOKIE, auth.xsrfToken(), secure);
    return reply.redirect('/', 303);
  });

  app.register(async (feature) => {
    // Authentication runs before the body is read, so an anonymous caller costs no parsing.
    feature.addHook('onRequest', authenticate);
    const desk = (r: FastifyRequest) => r.desk!;
    const who = (r: FastifyRequest) => r.principal!.name;
    const query = (r: FastifyRequest) => (r.query ?? {}) as Record<string, unknown>;

    feature.get('/status', async (r) => desk(r).status());
    feature.get('/terms', async (r) => desk(r).terms());
    feature.get('/prerequisites', async (r) => desk(r).prerequisites());
    feature.get('/commands', async (r) => desk(r).commands(query(r)));
    feature.get('/agent/files', async (r) => desk(r).jeaFiles());

    for (const kind of ['install', 'remove'] as const) {
      feature.post(`/agent/${kind}`, async (r, reply) => {
        const { operation } = desk(r).startAgentOperation(kind, r.body, who(r));
        return reply.code(202).header('location', `${r.url.split('?')[0]!.replace(/\/agent\/\w+$/, '')}/agent/operations/${operation.id}`).send({ operation });
      });
    }
    feature.get('/agent/operations/:operationId', async (r) => ({ operation: desk(r).operation((r.params as { operationId: string }).operationId) }));

    feature.get('/access', async (r) => desk(r).access(query(r)));
    feature.post('/access', async (r, reply) => reply.code(201).send(desk(r).grant(r.body, who(r))));
    feature.delete('/access', async (r) => desk(r).revoke(who(r)));

    feature.get('/sessions', async (r) => desk(r).history(query(r)));
    feature.get('/transcripts/search', async (r) => desk(r).search(query(r)));
    feature.get('/sessions/:sessionId', async (r) => desk(r).session((r.params as { sessionId: string }).sessionId, query(r)));
    feature.post('/sessions/:sessionId/end', async (r) => desk(r).endSession((r.params as { sessionId: string }).sessionId, who(r)));
    feature.get('/sessions/:sessionId/export', async (r, reply) => {
      const q = readObject(query(r), ['format', 'api-version']);
      const format = q['format'] ?? 'json';
      if (format !== 'json' && format !== 'text') throw fieldError('InvalidExportFormat', 'format', 'json or text', format);
      const id = (r.params as { sessionId: string }).sessionId;
      const doc = desk(r).export(id);
      void reply.header('content-disposition', `attachment; filename="transcript-${doc.session.id}.${format === 'json' ? 'json' : 'txt'}"`);
      return format === 'json' ? doc : reply.type('text/plain; charset=utf-8').send(transcriptText(doc));
    });
    feature.get('/sessions/:sessionId/verify', async (r) => ({ verification: desk(r).verify((r.params as { sessionId: string }).sessionId) }));

    feature.get('/events', async (r, reply) => {
      const cluster = desk(r).name;
      const lastId = Number((r.headers['last-event-id'] as string | undefined) ?? 'NaN');
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      const send = (e: LiveEvent) => {
        if (e.cluster === cluster) res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      };
      res.write(`retry: 2000\n: connected to ${cluster}\n\n`);
      if (Number.isInteger(lastId)) for (const e of options.events.since(lastId)) send(e);
      const subscription = options.events.subscribe(send);
      const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000);
      streams.add(res);
      res.on('close', () => {
        clearInterval(heartbeat);
        subscription.dispose();
        streams.delete(res);
      });
    });
  }, { prefix: FEATURE_PREFIX });

  if (options.testClock || options.testFaults) {
    const clock = options.testClock;
    const faults = options.testFaults;
    app.register(async (test) => {
      test.addHook('onRequest', authenticate);
      if (faults) {
        test.post('/faults', async (r) => {
          const body = readObject(r.body, ['node', 'offline', 'delayMs', 'hang']);
          const node = body['node'];
          if (typeof node !== 'string') throw fieldError('InvalidTestFault', 'node', 'a node name of the cluster', node);
          for (const flag of ['offline', 'hang'] as const) {
            if (body[flag] !== undefined && typeof body[flag] !== 'boolean') throw fieldError('InvalidTestFault', flag, 'true or false', body[flag]);
          }
          const delay = body['delayMs'];
          if (delay !== undefined && (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > 600_000)) {
            throw fieldError('InvalidTestFault', 'delayMs', 'a whole number of milliseconds from 0 to 600000', delay);
          }
          const known = faults(node, body as { offline?: boolean; delayMs?: number; hang?: boolean });
          if (!known) throw fieldError('InvalidTestFault', 'node', 'a node name of the cluster', node);
          return { node, applied: body };
        });
      }
      if (!clock) return;
      test.get('/clock', async () => ({ now: new Date(clock.now()).toISOString(), offsetMs: clock.offset }));
      test.post('/clock', async (r) => {
        const body = readObject(r.body, ['advanceMs']);
        const ms = body['advanceMs'];
        if (typeof ms !== 'number' || !Number.isInteger(ms) || ms < 0) throw fieldError('InvalidTestClockAdvance', 'advanceMs', 'a whole number of milliseconds, 0 or more', ms);
        clock.advance(ms);
        return { now: new Date(clock.now()).toISOString(), offsetMs: clock.offset };
      });
    }, { prefix: '/api/test' });
  } else {
    app.all('/api/test/*', async () => {
      throw createError('TestModeOnly', 'Test operations exist only when the gateway runs with --mode test');
    });
  }

  app.addHook('onClose', async () => {
    for (const res of streams) res.end();
  });
  return app;
}

function findDesk(desks: Map<string, RemoteSupportDesk>, name: string): RemoteSupportDesk | undefined {
  // Cluster names are DNS names: compare without case, as WAC does.
  const lower = name.toLowerCase();
  for (const [key, desk] of desks) if (key.toLowerCase() === lower) return desk;
  return undefined;
}

/** Maps anything thrown to a catalog error; fastify's own parse errors become InvalidBody. */
function toCatalogError(error: unknown): RemoteSupportError {
  if (isRemoteSupportError(error)) return error;
  const e = error as { code?: string; statusCode?: number; message?: string };
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return createError('InvalidBody', 'The request body must be JSON (content-type: application/json)');
  }
  if (e.statusCode && e.statusCode >= 400 && e.statusCode < 500) {
    return createError('InvalidBody', `The request body must be a JSON object (${e.message ?? 'unreadable'})`);
  }
  return createError('Internal', 'The gateway failed unexpectedly; the error is in its log');
}

export type { FastifyReply };
