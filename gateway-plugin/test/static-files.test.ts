import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { FastifyInstance } from 'fastify';
import { serveFolder } from '../src/api/static-files';
import { tempDir } from './helpers/gateway-fixture';

describe('serving the built extension and the host page', () => {
  const dir = tempDir('rs-static-');
  let app: FastifyInstance;
  before(async () => {
    mkdirSync(join(dir.path, 'ext', 'assets'), { recursive: true });
    mkdirSync(join(dir.path, 'host'), { recursive: true });
    writeFileSync(join(dir.path, 'ext', 'index.html'), '<app-root></app-root>');
    writeFileSync(join(dir.path, 'ext', 'main.1a2b.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'ext', 'assets', 'strings.json'), '{}');
    writeFileSync(join(dir.path, 'host', 'index.html'), '<iframe></iframe>');
    writeFileSync(join(dir.path, 'host', '.env'), 'SECRET=1');
    writeFileSync(join(dir.path, 'outside.txt'), 'not served');
    app = Fastify();
    app.setNotFoundHandler((_r, reply) => reply.code(404).send({ error: { code: 'RouteNotFound' } }));
    // As the admin API does: every answer is no-store unless the static files say otherwise.
    app.addHook('onRequest', async (_r, reply) => void reply.header('cache-control', 'no-store'));
    serveFolder(app, '/extension/', join(dir.path, 'ext'), { spaFallback: true });
    serveFolder(app, '/', join(dir.path, 'host'));
    await app.ready();
  });
  after(async () => {
    await app.close();
    dir.remove();
  });

  it('serves files with their content types and the host page at /', async () => {
    const page = await app.inject('/');
    assert.equal(page.statusCode, 200);
    assert.equal(page.body, '<iframe></iframe>');
    assert.match(String(page.headers['content-type']), /text\/html/);
    const js = await app.inject('/extension/main.1a2b.js');
    assert.match(String(js.headers['content-type']), /text\/javascript/);
    assert.equal((await app.inject('/extension/assets/strings.json')).body, '{}');
  });

  it('keeps pages fresh and lets hashed bundles be cached, and sends the bare prefix to its folder', async () => {
    assert.equal((await app.inject('/extension/')).headers['cache-control'], 'no-store');
    assert.equal((await app.inject('/extension/')).body, '<app-root></app-root>');
    assert.equal((await app.inject('/extension/main.1a2b.js')).headers['cache-control'], 'public, max-age=3600');
    const bare = await app.inject('/extension');
    assert.equal(bare.statusCode, 302);
    assert.equal(bare.headers.location, '/extension/');
  });

  it('answers the app\'s own routes with its index.html', async () => {
    const res = await app.inject('/extension/dashboard/sessions');
    assert.equal(res.body, '<app-root></app-root>');
  });

  it('never serves dotfiles or anything outside the folder', async () => {
    for (const path of ['/.env', '/extension/..%2f..%2foutside.txt', '/extension/%2e%2e/%2e%2e/outside.txt', '/../outside.txt', '/extension/missing.js']) {
      const res = await app.inject(path);
      assert.equal(res.statusCode, 404, path);
      assert.ok(!res.body.includes('SECRET') && !res.body.includes('not served'), path);
    }
  });

  it('leaves unknown API paths to the JSON not-found answer', async () => {
    const res = await app.inject('/api/nodes/x/features/remoteSupport/nope');
    assert.equal(res.statusCode, 404);
    assert.deepEqual(JSON.parse(res.body), { error: { code: 'RouteNotFound' } });
  });
});
