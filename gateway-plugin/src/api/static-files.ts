import { FastifyInstance } from 'fastify';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, resolve, sep } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * Serves a folder of built files under a URL prefix: only files inside the
 * folder, no dotfiles, an index.html for the prefix itself and (with
 * `spaFallback`) for paths that are not files, so the app's own routes load.
 */
export function serveFolder(app: FastifyInstance, prefix: string, folder: string, options: { spaFallback?: boolean } = {}): void {
  const root = resolve(folder);
  const send = (path: string) => {
    const type = TYPES[extname(path).toLowerCase()] ?? 'application/octet-stream';
    return { type, body: readFileSync(path) };
  };
  const handler = async (request: { params: unknown }, reply: { type(t: string): unknown; header(k: string, v: string): unknown; code(n: number): unknown; send(b: unknown): unknown; callNotFound(): void }) => {
    const rest = (request.params as { '*'?: string })['*'] ?? '';
    let decoded: string;
    try {
      decoded = decodeURIComponent(rest);
    } catch {
      return reply.callNotFound();
    }
    const target = resolve(root, normalize(decoded || 'index.html'));
    const inside = target === root || target.startsWith(root + sep);
    const hidden = decoded.split('/').some((part) => part.startsWith('.'));
    let file: string | null = null;
    if (inside && !hidden && existsSync(target) && statSync(target).isFile()) file = target;
    else if (inside && !hidden && existsSync(target) && statSync(target).isDirectory() && existsSync(join(target, 'index.html'))) file = join(target, 'index.html');
    else if (options.spaFallback && !extname(decoded) && existsSync(join(root, 'index.html'))) file = join(root, 'index.html');
    if (!file) return reply.callNotFound();
    const { type, body } = send(file);
    reply.type(type);
    // Built bundles carry hashes in their names; the pages themselves must always be fresh.
    reply.header('cache-control', file.endsWith('.html') ? 'no-store' : 'public, max-age=3600');
    return reply.send(body);
  };
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  app.get(`${base}*`, handler as never);
  if (base !== '/') app.get(base.slice(0, -1), async (_r, reply) => reply.redirect(base, 302));
}
