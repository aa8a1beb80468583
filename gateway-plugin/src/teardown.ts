/**
 * Everything start-up opened, closed in reverse order of opening: on
 * shutdown, and when a later step of start-up fails.
 */
export class Teardown {
  private readonly steps: (() => unknown)[] = [];
  private closing: Promise<void> | null = null;

  /** Registers what undoes the step just taken. */
  add(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step once, newest first; a failing step does not stop the rest, and the first failure is thrown at the end. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      let failure: { error: unknown } | null = null;
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch (error) {
          failure ??= { error };
        }
      }
      if (failure) throw failure.error;
    })();
    return this.closing;
  }
}
