import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The repository root (e2e/dist/support → three levels up). */
export const ROOT = join(__dirname, '..', '..', '..');
export const CLUSTER = 'hci-cl01.contoso.local';
export const FEATURE = `/api/nodes/${CLUSTER}/features/remoteSupport`;

export interface Product {
  url: string;
  /** The one-time login link the product printed at start (it signs in once). */
  loginUrl: string;
  /** A fresh one-time login link, minted with the admin credential (what `remote-support login-link` does). */
  newLoginUrl(): Promise<string>;
  dataDir: string;
  ca: string;
  output(): string;
  /** The admin API with the local admin credential (what the CLI uses). */
  api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string }>;
  stop(): Promise<void>;
}

/**
 * Starts the product the way the README's run command does (`npm start` runs
 * `node gateway-plugin/dist/src/main.js`), in test mode so the clock can be
 * moved, on a free port with its own data directory.
 */
export async function startProduct(extraArgs: string[] = []): Promise<Product> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rs-e2e-'));
  const proc: ChildProcess = spawn(process.execPath, [join(ROOT, 'gateway-plugin', 'dist', 'src', 'main.js'), '--mode', 'test', '--data-dir', dataDir, '--port', '0', '--step-delay-ms', '150', ...extraArgs], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  proc.stderr!.on('data', (c: Buffer) => (out += c.toString()));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const [url, loginUrl] = await new Promise<[string, string]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the product did not start:\n${out}`)), 60_000);
    proc.stdout!.on('data', () => {
      const listening = /listening on (https:\/\/\S+)/.exec(out)?.[1];
      const login = /(https:\/\/\S+\/login\?code=\S+)/.exec(out)?.[1];
      if (listening && login) {
        clearTimeout(timer);
        resolve([listening, login]);
      }
    });
    proc.once('exit', (code) => reject(new Error(`the product exited with ${code}:\n${out}`)));
  });
  const ca = readFileSync(join(dataDir, 'tls', 'gateway.crt'), 'utf8');
  const credential = readFileSync(join(dataDir, 'admin-credential'), 'utf8').trim();
  return {
    url,
    loginUrl,
    dataDir,
    ca,
    output: () => out,
    async newLoginUrl(this: Product): Promise<string> {
      const minted = await this.api<{ path: string }>('POST', '/api/login-links');
      if (minted.status !== 201) throw new Error(`minting a login link answered ${minted.status}: ${minted.text}`);
      return `${url}${minted.body.path}`;
    },
    api: adminApi(url, ca, credential),
    async stop() {
      if (proc.exitCode === null) proc.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The admin API with the local admin credential (what the CLI uses), on the gateway at `url`. */
export function adminApi(url: string, ca: string, credential: string): Product['api'] {
  return (method, path, body) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(new URL(path, url), {
        method,
        ca,
        headers: { authorization: `Bearer ${credential}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => {
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* keep text */
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as never, text });
        });
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  };
}

export interface ConsoleRun {
  code: number;
  stdout: string;
  stderr: string;
  json: any;
}

/**
 * Runs the engineer's support console as its own process, in its
 * non-interactive mode, signing in with msal-node against the product's
 * local identity provider (engineer-client.json in the data directory).
 */
export function runConsole(product: Product, args: string[]): Promise<ConsoleRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'gateway-plugin', 'dist', 'src', 'console', 'support-console.js'), '--data-dir', product.dataDir, ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      let json: unknown = null;
      try {
        json = JSON.parse(stdout);
      } catch {
        /* not JSON mode */
      }
      resolve({ code: code ?? -1, stdout, stderr, json });
    });
  });
}

/** Starts an interactive console session whose stdin the test writes to. */
export function startInteractiveConsole(product: Product, args: string[]) {
  const child = spawn(process.execPath, [join(ROOT, 'gateway-plugin', 'dist', 'src', 'console', 'support-console.js'), '--data-dir', product.dataDir, ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
  return {
    output: () => out,
    type: (line: string) => child.stdin.write(`${line}\n`),
    async waitFor(pattern: RegExp, timeoutMs = 20_000) {
      const start = Date.now();
      while (!pattern.test(out)) {
        if (Date.now() - start > timeoutMs) throw new Error(`console never printed ${pattern}:\n${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    exit,
    kill: () => child.kill('SIGKILL'),
  };
}
