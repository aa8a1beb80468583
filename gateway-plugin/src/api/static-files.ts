import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { extname, resolve } from 'node:path';
import { createError } from '../domain/errors';
import { statusOf } from './error-status';

/**
 * Serves a folder of built files under a URL prefix with @fastify/static:
 * only files inside the folder (it refuses `..` and encoded escapes), no
 * dotfiles, an index.html for the prefix itself and (with `spaFallback`) for
 * paths without an extension that are not files, so the app's own routes load.
 * Anything else it cannot serve gets the API's JSON RouteNotFound answer.
 */
export function serveFolder(app: FastifyInstance, prefix: string, folder: string, options: { spaFallback?: boolean } = {}): void {
  const root = resolve(folder);
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  // A scope of its own: its not-found handler (the app fallback) answers only under this prefix.
  void app.register(async (scope) => {
    await scope.register(fastifyStatic, {
      root,
      prefix: '/',
      dotfiles: 'ignore',
      index: 'index.html',
      cacheControl: false,
    });
    scope.addHook('onSend', async (_request, reply, payload) => {
      const type = reply.getHeader('content-type');
      if (reply.statusCode !== 200 || typeof type !== 'string') return payload;
      // RFC 9239 names text/javascript; the mime table @fastify/static sends by still says application/javascript.
      if (type.startsWith('application/javascript')) void reply.header('content-type', type.replace('application/javascript', 'text/javascript'));
      // Built bundles carry hashes in their names; the pages themselves must always be fresh.
      void reply.header('cache-control', type.startsWith('text/html') ? 'no-store' : 'public, max-age=3600');
      return payload;
    });
    if (options.spaFallback) {
      scope.setNotFoundHandler((request: FastifyRequest, reply: FastifyReply) => {
        const path = request.url.split('?')[0]!;
        if (request.method === 'GET' && extname(path) === '') {
          return reply.sendFile('index.html', root);
        }
        const err = createError('RouteNotFound', `No API operation answers ${request.method} ${path}`);
        return reply.code(statusOf(err.code)).send({ error: err.toBody() });
      });
    }
  }, { prefix: base.slice(0, -1) });
  if (base !== '/') app.get(base.slice(0, -1), async (_r, reply) => reply.redirect(base, 302));
}
