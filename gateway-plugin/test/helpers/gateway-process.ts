import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient } from './gateway-fixture';

export const MAIN = join(__dirname, '..', '..', 'src', 'main.js');

export interface GatewayProcess {
  proc: ChildProcess;
  url: string;
  api: ApiClient;
  output: () => string;
  /** Ends the process with SIGKILL and waits until it is gone. */
  kill9(): Promise<void>;
  /** Ends the process with SIGTERM and waits. */
  stop(): Promise<void>;
}

/** Starts the real gateway (`node dist/src/main.js`) as its own process on a free port. */
export async function spawnGateway(dataDir: string, extraArgs: string[] = []): Promise<GatewayProcess> {
  const proc = spawn(process.execPath, [MAIN, '--data-dir', dataDir, '--port', '0', '--step-delay-ms', '0', ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the gateway did not start in time:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (https:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    proc.stdout!.on('data', check);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the gateway exited with ${code}:\n${out}`));
    });
  });
  const ca = readFileSync(join(dataDir, 'tls', 'gateway.crt'), 'utf8');
  const credential = readFileSync(join(dataDir, 'admin-credential'), 'utf8').trim();
  const api = new ApiClient(url, ca, { authorization: `Bearer ${credential}` });
  return {
    proc,
    url,
    api,
    output: () => out,
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
    },
  };
}
