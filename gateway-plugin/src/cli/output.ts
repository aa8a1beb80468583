import { CliError } from './cli-error';

/** Where the CLI writes. Each call receives whole lines, newline included. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: NodeJS.ProcessEnv;
}

/**
 * The CLI's two output modes. In table mode results and notes go to stdout,
 * errors to stderr. In --json mode stdout carries exactly one JSON document
 * (the API's result or `{"error":{...}}`), so notes and progress go to stderr.
 */
export class CliOutput {
  constructor(private readonly io: CliIo, readonly json: boolean) {}

  /** A document written as is to stdout in both modes (an export the user asked for). */
  raw(text: string): void {
    this.io.stdout(text);
  }

  /** A result for people (table mode only). */
  text(text: string): void {
    if (!this.json) this.io.stdout(withNewline(text));
  }

  /** The API's result for scripts (--json mode only). */
  result(value: unknown): void {
    if (this.json) this.io.stdout(JSON.stringify(value, null, 2) + '\n');
  }

  /** Notes and progress: stdout for people, stderr in --json mode so stdout stays parseable. */
  note(text: string): void {
    (this.json ? this.io.stderr : this.io.stdout)(withNewline(text));
  }

  /** A message that is always for stderr (failure details). */
  warn(text: string): void {
    this.io.stderr(withNewline(text));
  }

  /** Reports an error and returns the exit code it maps to. */
  fail(error: CliError): number {
    if (this.json) this.io.stdout(JSON.stringify({ error: error.body }, null, 2) + '\n');
    else this.io.stderr(`error ${error.body.code}: ${error.body.message}\n`);
    if (error.hint) this.io.stderr(`hint: ${error.hint}\n`);
    return error.exitCode;
  }
}

function withNewline(text: string): string {
  return text.endsWith('\n') ? text : text + '\n';
}
