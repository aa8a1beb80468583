import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { powershellRoot } from '../../src/executors/powershell-files';
import { Loose } from './gateway-fixture';
import { PWSH } from './pwsh';

/** The AzStackHCI.RemoteSupport module folder. */
export const MODULE_PATH = join(powershellRoot(), 'module', 'AzStackHCI.RemoteSupport');

/** One cmdlet call for powershell/test/Invoke-ModuleCase.ps1. */
export interface ModuleCase {
  command: string;
  parameters?: Record<string, unknown>;
  /** Sets $env:AZSHCI_REMOTESUPPORT_CONFIG for this case and the ones after it. */
  config?: string;
  view?: 'table' | 'list';
  help?: boolean;
}

export interface ModuleError {
  fqid: string;
  message: string;
  details: string | null;
  action: string | null;
  targetName: string;
  category: string;
  data: { code: string; message: string; field?: string; allowed?: string } | null;
}

export interface ProgressRecord {
  id: number;
  parentId: number;
  activity: string;
  status: string;
  percent: number;
  completed: boolean;
}

export interface CaseAnswer {
  ok: boolean;
  /** The output, parsed from the cmdlet's output through ConvertTo-Json -Depth 32. */
  output: Loose[];
  count: number;
  typeNames: string[];
  text?: string;
  examples?: { code: string; remarks: string }[];
  synopsis?: string;
  parameters?: { name: string; description: string }[];
  error?: ModuleError;
  progress: ProgressRecord[];
  warnings: string[];
  /** What the host printed during the case (-WhatIf's lines, for one). */
  host: string;
}

const ANSWER = '@@case@@';

/**
 * One long-lived real pwsh with the module imported, running cases one at a
 * time (a launch costs about a second; a case, milliseconds), so a test can
 * check the gateway between two cmdlet calls.
 */
export class ModuleRunner {
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';
  private hostLines: string[] = [];

  private constructor(private readonly proc: ChildProcess) {
    createInterface({ input: proc.stdout! }).on('line', (line) => {
      if (line.startsWith(ANSWER)) this.waiting.shift()?.(line.slice(ANSWER.length));
      else this.hostLines.push(line);
    });
    proc.stderr!.on('data', (c: Buffer) => (this.stderr += c.toString()));
    proc.once('exit', (code) => {
      for (const w of this.waiting.splice(0)) w(JSON.stringify({ exited: code, stderr: this.stderr }));
    });
  }

  /** Starts pwsh with the module at `modulePath` imported (the repository's copy by default). */
  static async start(env: NodeJS.ProcessEnv, modulePath: string = MODULE_PATH): Promise<ModuleRunner> {
    const script = join(powershellRoot(), 'test', 'Invoke-ModuleCase.ps1');
    const proc = spawn(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', script, '-ModulePath', modulePath], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const runner = new ModuleRunner(proc);
    const first = JSON.parse(await runner.next()) as { ready?: boolean };
    if (!first.ready) throw new Error(`the case runner did not start: ${JSON.stringify(first)}`);
    return runner;
  }

  private next(): Promise<string> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  async run(c: ModuleCase): Promise<CaseAnswer> {
    const answer = this.next();
    this.proc.stdin!.write(JSON.stringify(c) + '\n');
    const parsed = JSON.parse(await answer) as Loose;
    if (parsed.exited !== undefined) throw new Error(`pwsh exited (${parsed.exited}) during ${c.command}: ${parsed.stderr}`);
    const host = this.hostLines.splice(0).join('\n');
    return { ...parsed, host, output: parsed.json ? JSON.parse(parsed.json) : [] } as CaseAnswer;
  }

  /** Runs a case that must succeed, and returns its output. */
  async ok(c: ModuleCase): Promise<CaseAnswer> {
    const answer = await this.run(c);
    if (!answer.ok) throw new Error(`${c.command} failed: ${JSON.stringify(answer.error)}`);
    return answer;
  }

  /** Runs a case that must fail, and returns its error. */
  async fails(c: ModuleCase): Promise<ModuleError> {
    const answer = await this.run(c);
    if (answer.ok || !answer.error) throw new Error(`${c.command} succeeded, but it must fail: ${JSON.stringify(answer.output).slice(0, 500)}`);
    return answer.error;
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin!.end();
    await exited;
  }
}
