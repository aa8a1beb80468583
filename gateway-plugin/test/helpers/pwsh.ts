import { execFile } from 'node:child_process';
import { defaultPowerShellPath } from '../../src/executors/powershell-files';

/** The real PowerShell 7 the tests run (installed by the project's set-up). */
export const PWSH = defaultPowerShellPath();

/**
 * Runs a PowerShell script file under real pwsh with `input` as JSON on
 * stdin, and returns what it printed as JSON. The script reads its stdin
 * with `[Console]::In.ReadToEnd()`. Rejects with pwsh's stderr when it
 * exits non-zero.
 */
export function pwshJson<T = unknown>(scriptFile: string, input: unknown, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(PWSH, ['-NoLogo', '-NoProfile', '-NonInteractive', '-File', scriptFile], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) return reject(new Error(`pwsh ${scriptFile} failed: ${error.message}\n${stderr}`));
      try {
        resolve(JSON.parse(stdout) as T);
      } catch {
        reject(new Error(`pwsh ${scriptFile} printed no JSON: ${stdout.slice(0, 500)}\n${stderr}`));
      }
    });
    child.stdin!.end(JSON.stringify(input));
  });
}
