import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Frame, Locator, Page } from 'playwright-core';
import { adminApi, Product, ROOT } from './product';

/**
 * The product as `npm start` runs it (test mode), on a fixed port and data
 * directory so that it can be stopped and started again: the browser's
 * sign-in, kept in the data directory, survives, and the page can reach the
 * gateway again where it left it.
 */
export interface RestartableProduct extends Product {
  /** Stops the gateway process (SIGTERM) and keeps its data. */
  stopGateway(): Promise<void>;
  /** Starts the gateway again on the same port and data. */
  startGateway(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export async function startRestartableProduct(extraArgs: string[] = []): Promise<RestartableProduct> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-e2e-overview-'));
  let port = await freePort();
  let proc: ChildProcess | null = null;
  let exited: Promise<void> = Promise.resolve();
  let out = '';

  async function launch(): Promise<[string, string]> {
    const from = out.length;
    const child = spawn(process.execPath, [join(ROOT, 'gateway-plugin', 'dist', 'src', 'main.js'), '--mode', 'test', '--data-dir', dataDir, '--port', String(port), ...extraArgs], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    proc = child;
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    return new Promise<[string, string]>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the product did not start:\n${out}`)), 60_000);
      child.stdout!.on('data', () => {
        const fresh = out.slice(from);
        const listening = /listening on (https:\/\/\S+)/.exec(fresh)?.[1];
        const login = /(https:\/\/\S+\/login\?code=\S+)/.exec(fresh)?.[1];
        if (listening && login) {
          clearTimeout(timer);
          resolve([listening, login]);
        }
      });
      child.once('exit', (code) => reject(new Error(`the product exited with ${code}:\n${out}`)));
    });
  }

  // Another process may take the free port before the gateway binds it: then try another.
  let started: [string, string] | null = null;
  for (let attempt = 1; !started; attempt++) {
    try {
      started = await launch();
    } catch (e) {
      if (attempt >= 5 || !/in use/.test(String(e))) throw e;
      port = await freePort();
    }
  }
  const [url, loginUrl] = started;
  const ca = readFileSync(join(dataDir, 'tls', 'gateway.crt'), 'utf8');
  const credential = readFileSync(join(dataDir, 'admin-credential'), 'utf8').trim();
  const product: RestartableProduct = {
    url,
    loginUrl,
    dataDir,
    ca,
    output: () => out,
    async newLoginUrl(): Promise<string> {
      const minted = await product.api<{ path: string }>('POST', '/api/login-links');
      return `${url}${minted.body.path}`;
    },
    api: adminApi(url, ca, credential),
    async stopGateway() {
      if (proc && proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
    async startGateway() {
      await launch();
    },
    async stop() {
      await product.stopGateway();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return product;
}

const byTestId = (scope: Frame | Locator, id: string) => scope.locator(`[data-testid="${id}"]`);

/** How the tool's layout scrolls: which of the host page, the frame's document and the content region can. */
export interface ScrollGeometry {
  hostScrolls: boolean;
  documentScrolls: boolean;
  contentScrolls: boolean;
  /** After scrolling the content region to its end: the header's top and bottom, and the frame's height. */
  headerTop: number;
  headerBottom: number;
  frameHeight: number;
  /** Empty space below the last card when the region is scrolled to its end (px). */
  blankBelowLast: number;
}

/** The Overview as the admin sees it, for the browser scenario of issue 15. */
export class OverviewPage {
  constructor(readonly page: Page, readonly frame: Frame) {}

  async open(): Promise<void> {
    await byTestId(this.frame, 'tab-overview').click();
    await byTestId(this.frame, 'grant-panel').waitFor();
  }

  async refresh(): Promise<void> {
    await byTestId(this.frame, 'refresh').click();
  }

  async scrollGeometry(): Promise<ScrollGeometry> {
    const hostScrolls = await this.page.evaluate(() => document.documentElement.scrollHeight > document.documentElement.clientHeight);
    const inFrame = await this.frame.evaluate(() => {
      const doc = document.scrollingElement ?? document.documentElement;
      const content = document.querySelector<HTMLElement>('[data-testid="tool-content"]')!;
      const contentScrolls = content.scrollHeight > content.clientHeight;
      // The wheel: scroll the region and the document as far as they go.
      content.scrollTop = content.scrollHeight;
      doc.scrollTop = doc.scrollHeight;
      const header = document.querySelector<HTMLElement>('[data-testid="tool-header"]')!.getBoundingClientRect();
      const cards = [...content.querySelectorAll<HTMLElement>('.rs-card')].filter((c) => c.offsetParent !== null);
      const lastBottom = Math.max(...cards.map((c) => c.getBoundingClientRect().bottom));
      const regionBottom = content.getBoundingClientRect().bottom;
      return {
        documentScrolls: doc.scrollHeight > doc.clientHeight,
        contentScrolls,
        headerTop: header.top,
        headerBottom: header.bottom,
        frameHeight: window.innerHeight,
        blankBelowLast: Math.round(regionBottom - lastBottom),
      };
    });
    await this.frame.evaluate(() => (document.querySelector<HTMLElement>('[data-testid="tool-content"]')!.scrollTop = 0));
    return { hostScrolls, ...inFrame };
  }

  /**
   * Cells of a table that do not fit their words: cut (scrollWidth > clientWidth), or a cell of
   * `oneLine` columns whose text runs over more than one line. Each as "<row> <column>: <text>".
   */
  async brokenCells(tableSelector: string, oneLineColumns: number[]): Promise<string[]> {
    return this.frame.evaluate(
      ([selector, columns]) => {
        const broken: string[] = [];
        const table = document.querySelector(selector as string);
        if (!table) return [`no table ${selector}`];
        for (const row of table.querySelectorAll('tbody tr')) {
          [...row.children].forEach((cell, i) => {
            const el = cell as HTMLElement;
            const text = (el.textContent ?? '').trim();
            if (el.scrollWidth > el.clientWidth + 1) broken.push(`${row.getAttribute('data-node') ?? ''} ${i}: cut "${text}"`);
            if ((columns as number[]).includes(i) && text) {
              const range = document.createRange();
              range.selectNodeContents(el);
              const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
              if (lines.size > 1) broken.push(`${row.getAttribute('data-node') ?? ''} ${i}: ${lines.size} lines "${text}"`);
            }
          });
        }
        return broken;
      },
      [tableSelector, oneLineColumns] as const,
    );
  }

  /**
   * Words of a table that the layout breaks over two lines ("hci-" / "n01"), and cells whose content is
   * cut; each as "<row> <column>: <word>". A table that keeps its columns returns none.
   */
  /** Cells whose text starts more than 2 px from where their column's header text starts (the SDK's first-cell padding). */
  async misalignedCells(tableSelector: string): Promise<string[]> {
    return this.frame.locator(tableSelector).evaluate((table) => {
      const start = (cell: Element) => {
        const range = document.createRange();
        range.selectNodeContents(cell);
        const rect = [...range.getClientRects()][0];
        return rect ? rect.left : cell.getBoundingClientRect().left + parseFloat(getComputedStyle(cell).paddingLeft);
      };
      const headers = [...table.querySelectorAll('thead tr > *')];
      const found: string[] = [];
      for (const row of table.querySelectorAll('tbody tr')) {
        [...row.children].forEach((cell, i) => {
          const header = headers[i];
          if (!header || !cell.textContent?.trim() || !header.textContent?.trim() || header.querySelector('.sme-screen-reader')) return;
          const off = start(cell) - start(header);
          if (Math.abs(off) > 2) found.push(`${cell.textContent.trim().slice(0, 20)} is ${Math.round(off)} px off its header`);
        });
      }
      return found;
    });
  }

  async wordsBroken(tableSelector: string): Promise<string[]> {
    return this.frame.evaluate((selector) => {
      const broken: string[] = [];
      const table = document.querySelector(selector);
      if (!table) return [`no table ${selector}`];
      for (const row of table.querySelectorAll('tr')) {
        [...row.children].forEach((cell, i) => {
          const el = cell as HTMLElement;
          if (el.scrollWidth > el.clientWidth + 1) broken.push(`${i}: cut "${(el.textContent ?? '').trim()}"`);
          const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
          for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            for (const m of (node.textContent ?? '').matchAll(/\S+/g)) {
              const range = document.createRange();
              range.setStart(node, m.index!);
              range.setEnd(node, m.index! + m[0].length);
              const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
              if (tops.size > 1) broken.push(`${i}: "${m[0]}" over ${tops.size} lines`);
            }
          }
        });
      }
      return broken;
    }, tableSelector);
  }

  agentStates(): Promise<string[]> {
    return byTestId(this.frame, 'agent-state').allInnerTexts();
  }

  async waitForAgent(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    await this.frame.waitForFunction(
      ([source, flags]) => {
        const cells = [...document.querySelectorAll('[data-testid="agent-state"]')];
        return cells.length === 4 && cells.every((c) => new RegExp(source!, flags).test((c.textContent ?? '').trim()));
      },
      [pattern.source, pattern.flags],
      { timeout: timeoutMs },
    );
  }

  /** Clicks an action that asks first; returns the question and answers it. */
  async answerConfirmation(trigger: Locator, answer: 'confirm' | 'cancel'): Promise<string> {
    await trigger.click();
    const title = byTestId(this.frame, 'confirm-title');
    await title.waitFor();
    const question = `${await title.innerText()} ${await byTestId(this.frame, 'confirm-message').innerText()}`;
    await byTestId(this.frame, answer === 'confirm' ? 'confirm-ok' : 'confirm-cancel').click();
    await title.waitFor({ state: 'detached' }).catch(() => title.waitFor({ state: 'hidden' }));
    return question;
  }

  banner(): Locator {
    return byTestId(this.frame, 'gateway-banner');
  }

  staleBadge(): Locator {
    return byTestId(this.frame, 'stale-badge');
  }

  countdown(): Locator {
    return this.frame.locator('[data-testid="grant-countdown"] time');
  }

  liveSessions(): Locator {
    return byTestId(this.frame, 'live-sessions');
  }

  alerts(): Locator {
    return this.frame.locator('.rs-alert');
  }

  /** The WAC shell's notifications (the host page): the list behind the bell, and the toasts. */
  notification(titlePattern: RegExp): Locator {
    return this.page.locator('[data-testid="notification"]').filter({ hasText: titlePattern });
  }

  /** Waits until the shell lists a notification (behind the bell, so not necessarily visible). */
  async waitForNotification(titlePattern: RegExp, state?: string, timeoutMs = 30_000): Promise<void> {
    const selector = state ? `[data-testid="notification"][data-state="${state}"]` : '[data-testid="notification"]';
    await this.page.locator(selector).filter({ hasText: titlePattern }).first().waitFor({ state: 'attached', timeout: timeoutMs });
  }

  toast(titlePattern: RegExp): Locator {
    return this.page.locator('[data-testid="notification-toast"]').filter({ hasText: titlePattern });
  }
}
