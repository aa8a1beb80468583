import { Frame } from 'playwright-core';

/** A cell whose text a narrow column broke inside a word ("Comman ds"), or whose text it cut short. */
export interface BrokenText {
  text: string;
  word: string;
  why: 'broken-word' | 'cut';
  /** Where the cell's centre is in the frame, for a hover. */
  at?: { x: number; y: number };
  header?: boolean;
}

/**
 * Geometry checks of what the admin sees in History and the transcript, run
 * in the real browser: they judge the laid-out page, not the markup.
 */
export class HistoryGeometry {
  constructor(readonly frame: Frame) {}

  /**
   * Every word (a run of letters, digits and -._@:) inside the cells, headers
   * and facts under `scope` that is laid out on more than one line, or that
   * its cell cuts off (the text ends outside the cell's box).
   */
  async brokenWords(scope: string): Promise<BrokenText[]> {
    const found = await this.laidOutWords(scope);
    const left: BrokenText[] = [];
    for (const f of found) {
      // A cut value is allowed where the cell tells the whole value on hover (the SDK's tooltip), never in a header.
      if (f.why === 'cut' && !f.header && (await this.tooltipAt(f.at!)).includes(f.word)) continue;
      left.push({ text: f.text, word: f.word, why: f.why });
    }
    return left;
  }

  /** Moves the mouse over a point of the frame and reads the SDK tooltip shown there (empty if none). */
  private async tooltipAt(at: { x: number; y: number }): Promise<string> {
    const frameBox = (await (await this.frame.frameElement()).boundingBox())!;
    await this.frame.page().mouse.move(0, 0);
    await this.frame.page().mouse.move(frameBox.x + at.x, frameBox.y + at.y);
    const tip = this.frame.locator('sme-tooltip-host .sme-tooltip-content');
    try {
      await tip.first().waitFor({ timeout: 2000 });
      return await tip.first().innerText();
    } catch {
      return '';
    }
  }

  private laidOutWords(scope: string): Promise<BrokenText[]> {
    return this.frame.evaluate((selector) => {
      const found: { text: string; word: string; why: 'broken-word' | 'cut'; at?: { x: number; y: number }; header?: boolean }[] = [];
      const cells = [...document.querySelectorAll<HTMLElement>(`${selector} td, ${selector} th, ${selector} .sme-table-cell, ${selector} .sme-table-header-cell, ${selector} dd, ${selector} dt, ${selector} .rs-entry-meta > *`)];
      for (const cell of cells) {
        const box = cell.getBoundingClientRect();
        if (box.width === 0 || box.height === 0) continue;
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode() as Text | null; node; node = walker.nextNode() as Text | null) {
          const text = node.data;
          for (const m of text.matchAll(/[\p{L}\p{N}\-._@:]{2,}/gu)) {
            const range = document.createRange();
            range.setStart(node, m.index!);
            range.setEnd(node, m.index! + m[0].length);
            const rects = [...range.getClientRects()].filter((r) => r.width > 0);
            const tops = new Set(rects.map((r) => Math.round(r.top)));
            if (tops.size > 1) found.push({ text: cell.innerText.trim(), word: m[0], why: 'broken-word' });
            const last = rects[rects.length - 1];
            // The cell's own box clips it when the word ends outside it (SDK cells clip with an ellipsis).
            const clipper = (cell.closest<HTMLElement>('.sme-table-cell, .sme-table-header-cell') ?? cell);
            const clip = clipper.getBoundingClientRect();
            if (last && (last.right > clip.right + 1 || last.bottom > clip.bottom + 1)) {
              const at = { x: clip.left + Math.min(clip.width / 2, 20), y: clip.top + clip.height / 2 };
              found.push({ text: cell.innerText.trim(), word: m[0], why: 'cut', at, header: !!cell.closest('th, .sme-table-header') });
            }
          }
        }
      }
      return found;
    }, scope);
  }

  /** The time-of-day parts of the dates in `scope` that their cell does not show whole. */
  hiddenTimes(scope: string): Promise<string[]> {
    return this.frame.evaluate((selector) =>
      [...document.querySelectorAll<HTMLElement>(`${selector} .rs-when-time`)]
        .filter((t) => {
          const r = t.getBoundingClientRect();
          const c = (t.closest<HTMLElement>('.sme-table-cell, td') ?? t).getBoundingClientRect();
          return r.width === 0 || r.right > c.right + 1 || r.bottom > c.bottom + 1;
        })
        .map((t) => t.textContent ?? ''),
    scope);
  }

  /** The sessions table's host height, and how much of it the header and rows fill. */
  tableFill(): Promise<{ host: number; rows: number; header: number }> {
    return this.frame.evaluate(() => {
      const host = document.querySelector<HTMLElement>('[data-testid="sessions-table"]')!;
      const rows = [...host.querySelectorAll<HTMLElement>('.sme-table-row-data[data-rendered-item-index]')];
      const header = host.querySelector<HTMLElement>('thead, .sme-table-header, [role="row"]');
      return {
        host: host.getBoundingClientRect().height,
        rows: rows.reduce((sum, r) => sum + r.getBoundingClientRect().height, 0),
        header: header?.getBoundingClientRect().height ?? 0,
      };
    });
  }

  /** Each output box of the transcript: its lines as recorded, the lines it is laid out on, and its white-space. */
  outputs(): Promise<{ lines: number; laidOut: number; whiteSpace: string; fontFamily: string; overflowX: string; insideList: boolean }[]> {
    return this.frame.evaluate(() =>
      [...document.querySelectorAll<HTMLElement>('[data-testid="entry-output"]')].map((pre) => {
        const style = getComputedStyle(pre);
        const lineHeight = parseFloat(style.lineHeight) || parseFloat(style.fontSize) * 1.2;
        const box = pre.closest<HTMLElement>('.rs-output-box')!;
        return {
          lines: pre.textContent!.replace(/\n+$/, '').split('\n').length,
          laidOut: Math.round(pre.getBoundingClientRect().height / lineHeight),
          whiteSpace: style.whiteSpace,
          fontFamily: style.fontFamily,
          overflowX: getComputedStyle(box).overflowX,
          // The box stays within the transcript; only its content scrolls sideways.
          insideList: box.getBoundingClientRect().right <= document.querySelector('[data-testid="entries"]')!.getBoundingClientRect().right + 1,
        };
      }),
    );
  }

  /** How a link looks: its colour, underline, and outline when focused from the keyboard. */
  async linkLook(selector: string): Promise<{ color: string; textDecoration: string; focusOutline: string }> {
    const link = this.frame.locator(selector).first();
    // As from the keyboard: a key press first, so the browser shows focus as it does for keyboard users.
    await this.frame.page().keyboard.press('Shift');
    await link.focus();
    return link.evaluate((a) => {
      const style = getComputedStyle(a);
      return { color: style.color, textDecoration: style.textDecorationLine, focusOutline: `${style.outlineStyle} ${style.outlineWidth} ${a.matches(':focus-visible')}` };
    });
  }
}
