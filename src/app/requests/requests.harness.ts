import { DomHarness } from '../testing/dom-harness';

/** The Requests tab as an admin sees it, for specs. */
export class RequestsHarness extends DomHarness {
  rowIds(): string[] {
    return this.queryAll('[data-testid="request-row"]').map((r) => r.getAttribute('data-request-id') ?? '');
  }

  row(id: string): HTMLElement | null {
    return this.query(`[data-testid="request-row"][data-request-id="${id}"]`);
  }

  rowText(id: string): string {
    return (this.row(id)?.textContent ?? '').replace(/\s+/g, ' ').trim();
  }

  async open(id: string): Promise<void> {
    const row = this.row(id);
    if (!row) throw new Error(`No request ${id} in the list`);
    row.click();
    await this.settle();
  }

  detail(): string {
    return this.testIdText('request-detail');
  }

  messages(): string[] {
    return this.queryAll('[data-testid="request-message"]').map((m) => (m.textContent ?? '').replace(/\s+/g, ' ').trim());
  }

  levelOptions(): string[] {
    return this.queryAll<HTMLOptionElement>('[data-testid="approve-level"] option').map((o) => o.value);
  }

  approveDisabled(): boolean {
    return this.isDisabled('[data-testid="approve-submit"]');
  }

  async approve(): Promise<void> {
    await this.clickTestId('approve-submit');
  }

  async agree(): Promise<void> {
    await this.check('[data-testid="approve-consent"]');
  }

  async setMinutes(value: string): Promise<void> {
    await this.type('[data-testid="approve-minutes"]', value);
  }

  async startLater(localDateTime: string): Promise<void> {
    await this.click('[data-testid="approve-start-later"]');
    await this.type('[data-testid="approve-start-at"]', localDateTime);
  }
}
