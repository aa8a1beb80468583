import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MINUTE_MS } from '../src/domain/clock';

const SECOND_MS = 1000;
import { encodeCursor, LIST_COUNT_CAP, LIST_PAGE } from '../src/domain/list-page';
import { TERMS_VERSION } from '../src/domain/terms';
import { FakeClock } from '../src/test-support/fake-clock';
import { CLUSTER, FEATURE, startTestGateway, TestGateway } from './helpers/gateway-fixture';

interface Page<T> {
  items: T[];
  nextCursor: string | null;
  total: number | null;
}

/** Walks a paged list from its first page to its last, with `between` run after each page. */
async function walk<T>(fetchPage: (cursor: string | null) => Promise<Page<T>>, between: (page: number) => void = () => {}): Promise<Page<T>[]> {
  const pages: Page<T>[] = [];
  let cursor: string | null = null;
  do {
    const page = await fetchPage(cursor);
    pages.push(page);
    between(pages.length);
    cursor = page.nextCursor;
  } while (cursor !== null && pages.length < 1000);
  return pages;
}

describe('paged lists: session history and consent history', () => {
  let t: TestGateway;
  let clock: FakeClock;
  /** Session ids as opened, oldest first. */
  const opened: string[] = [];
  let grantId = '';

  const openSession = (engineer: string) =>
    t.gateway.sessions.open({ cluster: CLUSTER, grantId, engineer, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] }).id;

  const historyPage = async (query: string) => {
    const res = await t.api.get(`${FEATURE}/sessions?${query}`);
    assert.equal(res.status, 200, res.text);
    return { items: res.body.sessions as { id: string; startedAt: string }[], nextCursor: res.body.nextCursor as string | null, total: res.body.total as number | null };
  };

  before(async () => {
    clock = new FakeClock(Date.parse('2026-11-20T08:00:00Z'));
    t = await startTestGateway({ clock });
    grantId = t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 20160, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id;
    // 1,050 sessions, four to a second: most share their started_at with others.
    t.gateway.db.transaction(() => {
      for (let i = 0; i < 1050; i++) {
        if (i % 4 === 0) clock.advance(SECOND_MS);
        opened.push(openSession(`engineer-${i}@vendor`));
      }
    })();
  });
  after(async () => t.stop());

  it('pages through 1,050 sessions newest first, each exactly once, ties in the order they were opened', async () => {
    const pages = await walk((cursor) => historyPage(`limit=97${cursor ? `&cursor=${cursor}` : ''}`));
    assert.equal(pages.length, Math.ceil(1050 / 97));
    const ids = pages.flatMap((p) => p.items.map((s) => s.id));
    assert.deepEqual(ids, [...opened].reverse());
    assert.equal(pages[0]!.total, 1050, 'the first page counts the whole list');
    assert.ok(pages.slice(1).every((p) => p.total === null), 'the pages after it do not count again');
    assert.ok(pages.slice(0, -1).every((p) => p.items.length === 97 && p.nextCursor !== null));
    assert.equal(pages[pages.length - 1]!.nextCursor, null, 'the last page has no next cursor');
  });

  it('gives a client that sends no cursor or limit the first page of the default size', async () => {
    const first = await historyPage('');
    assert.equal(first.items.length, LIST_PAGE.default);
    assert.deepEqual(first.items.map((s) => s.id), [...opened].reverse().slice(0, LIST_PAGE.default));
    assert.notEqual(first.nextCursor, null);
    assert.equal(first.total, 1050);
  });

  it('walks on unbroken when sessions start between its pages', async () => {
    const before = (await walk((cursor) => historyPage(`limit=${LIST_PAGE.max}${cursor ? `&cursor=${cursor}` : ''}`))).flatMap((p) => p.items.map((s) => s.id));
    const added: string[] = [];
    const pages = await walk(
      (cursor) => historyPage(`limit=50${cursor ? `&cursor=${cursor}` : ''}`),
      // The first new one shares the second of the newest session; the others are later still.
      (page) => {
        if (page <= 3) added.push(openSession(`late-${page}@vendor`));
        clock.advance(SECOND_MS);
      },
    );
    const ids = pages.flatMap((p) => p.items.map((s) => s.id));
    assert.deepEqual(ids, before, 'the walk saw every session that was there when it began, once, and in order');
    assert.equal((await historyPage('limit=1')).total, before.length + added.length, 'the count follows the list');
    const again = await historyPage('limit=3');
    assert.deepEqual(again.items.map((s) => s.id), [...added].reverse(), 'a new walk starts with the sessions that started meanwhile');
  });

  it('pages through the consent history newest first, and gives the active grant alone without includeExpired', async () => {
    const granted = [grantId];
    for (let i = 0; i < 120; i++) {
      // Two grants share each minute: the second supersedes the first in the same millisecond.
      if (i % 2 === 0) clock.advance(MINUTE_MS);
      granted.push(t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 480, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id);
    }
    const accessPage = async (query: string) => {
      const res = await t.api.get(`${FEATURE}/access?${query}`);
      assert.equal(res.status, 200, res.text);
      return { items: res.body.grants as { id: string; state: string }[], nextCursor: res.body.nextCursor as string | null, total: res.body.total as number | null };
    };
    const pages = await walk((cursor) => accessPage(`includeExpired=true&limit=25${cursor ? `&cursor=${cursor}` : ''}`));
    assert.equal(pages.length, Math.ceil(121 / 25));
    assert.deepEqual(pages.flatMap((p) => p.items.map((g) => g.id)), [...granted].reverse());
    assert.equal(pages[0]!.total, 121);
    assert.equal(pages[0]!.items[0]!.state, 'active');

    const active = await accessPage('');
    assert.deepEqual(active.items.map((g) => g.id), [granted[granted.length - 1]]);
    assert.equal(active.nextCursor, null);
    assert.equal(active.total, 1);
  });

  it('refuses a cursor it did not write, and a limit out of range, naming the field and changing nothing', async () => {
    const rows = () => JSON.stringify([t.gateway.db.prepare('SELECT COUNT(*) AS n FROM sessions').get(), t.gateway.db.prepare('SELECT COUNT(*) AS n FROM grants').get()]);
    const count = rows();
    const forged = Buffer.from('yesterday', 'utf8').toString('base64url');
    for (const [path, fieldName, allowed] of [
      ['/sessions?limit=0', 'limit', 'an integer from 1 to 500'],
      ['/sessions?limit=501', 'limit', 'an integer from 1 to 500'],
      ['/sessions?limit=ten', 'limit', 'an integer from 1 to 500'],
      [`/sessions?cursor=${forged}`, 'cursor', 'a nextCursor from a previous page of this list'],
      ['/sessions?cursor=%2F%2F%2F', 'cursor', 'a nextCursor from a previous page of this list'],
      ['/access?includeExpired=true&limit=100000', 'limit', 'an integer from 1 to 500'],
      ['/access?includeExpired=true&cursor=not-a-cursor', 'cursor', 'a nextCursor from a previous page of this list'],
    ] as const) {
      const res = await t.api.get(`${FEATURE}${path}`);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.equal(res.body.error.code, 'InvalidPaging', path);
      assert.equal(res.body.error.field, fieldName, path);
      assert.equal(res.body.error.allowed, allowed, path);
      assert.ok(res.body.error.message.includes(fieldName), res.body.error.message);
    }
    assert.equal(rows(), count);
  });

  it('takes back a cursor it wrote, whatever the key (one far in the past gives an empty last page)', async () => {
    const page = await historyPage(`cursor=${encodeCursor({ at: 1, row: 1 })}`);
    assert.deepEqual(page.items, []);
    assert.equal(page.nextCursor, null);
  });
});

describe('the first page counts its list only while that is cheap', () => {
  it(`gives total up to ${LIST_COUNT_CAP} and null past it, with every page still there`, async () => {
    const clock = new FakeClock(Date.parse('2026-11-20T08:00:00Z'));
    const t = await startTestGateway({ clock });
    try {
      const grantId = t.gateway.consent.grant(CLUSTER, { accessLevel: 'Diagnostics', expireInMinutes: 20160, supportCaseNumber: null, sasCredential: null, termsVersion: TERMS_VERSION }, 'admin').grant.id;
      const open = (n: number) =>
        t.gateway.db.transaction(() => {
          for (let i = 0; i < n; i++) t.gateway.sessions.open({ cluster: CLUSTER, grantId, engineer: `e${i}@vendor`, supportCase: null, accessLevel: 'Diagnostics', nodes: ['hci-n01'] });
        })();
      const first = async () => (await t.api.get(`${FEATURE}/sessions?limit=${LIST_PAGE.max}`)).body;
      open(LIST_COUNT_CAP);
      assert.equal((await first()).total, LIST_COUNT_CAP, 'at the cap it is counted');
      open(1);
      const past = await first();
      assert.equal(past.total, null, 'past the cap the count is left out');
      assert.equal(past.sessions.length, LIST_PAGE.max);
      assert.notEqual(past.nextCursor, null, 'and the pages go on');
    } finally {
      await t.stop();
    }
  });
});
