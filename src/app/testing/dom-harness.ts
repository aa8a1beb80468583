import { ComponentFixture } from '@angular/core/testing';

/**
 * Base of the page objects the specs use: finds elements by test id or
 * selector, types into fields the way a user does (value + input event) and
 * lets Angular settle after each step.
 */
export class DomHarness {
  constructor(protected readonly fixture: ComponentFixture<unknown>) {}

  protected get root(): HTMLElement {
    return this.fixture.nativeElement as HTMLElement;
  }

  query<T extends Element = HTMLElement>(selector: string): T | null {
    return this.root.querySelector<T>(selector as never) as T | null;
  }

  queryAll<T extends Element = HTMLElement>(selector: string): T[] {
    return Array.from(this.root.querySelectorAll<T>(selector as never)) as T[];
  }

  byTestId<T extends Element = HTMLElement>(id: string): T | null {
    return this.query<T>(`[data-testid="${id}"]`);
  }

  text(selector: string): string {
    return (this.query(selector)?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }

  testIdText(id: string): string {
    return this.text(`[data-testid="${id}"]`);
  }

  async settle(): Promise<void> {
    this.fixture.detectChanges();
    await this.fixture.whenStable();
    this.fixture.detectChanges();
  }

  async type(selector: string, value: string): Promise<void> {
    const input = this.query<HTMLInputElement | HTMLTextAreaElement>(selector);
    if (!input) throw new Error(`No field ${selector}`);
    input.value = value;
    input.dispatchEvent(new Event('input'));
    input.dispatchEvent(new Event('blur'));
    await this.settle();
  }

  async select(selector: string, value: string): Promise<void> {
    const select = this.query<HTMLSelectElement>(selector);
    if (!select) throw new Error(`No select ${selector}`);
    select.value = value;
    select.dispatchEvent(new Event('change'));
    await this.settle();
  }

  async check(selector: string, checked = true): Promise<void> {
    const box = this.query<HTMLInputElement>(selector);
    if (!box) throw new Error(`No checkbox ${selector}`);
    if (box.checked !== checked) box.click();
    await this.settle();
  }

  async click(selector: string): Promise<void> {
    const el = this.query<HTMLElement>(selector);
    if (!el) throw new Error(`Nothing to click at ${selector}`);
    el.click();
    await this.settle();
  }

  async clickTestId(id: string): Promise<void> {
    await this.click(`[data-testid="${id}"]`);
  }

  isDisabled(selector: string): boolean {
    const el = this.query<HTMLButtonElement>(selector);
    if (!el) throw new Error(`No element ${selector}`);
    return el.disabled;
  }
}
