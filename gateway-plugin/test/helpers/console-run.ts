import { runConsole } from '../../src/console/console-run';

export interface ConsoleRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** A console run in-process against `dataDir`, with an empty environment (unless given) so the machine's variables cannot change the outcome. */
export async function consoleRun(dataDir: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<ConsoleRun> {
  let stdout = '';
  let stderr = '';
  const code = await runConsole([...args, '--data-dir', dataDir], { stdout: (s) => (stdout += s), stderr: (s) => (stderr += s), env });
  return { code, stdout, stderr };
}
