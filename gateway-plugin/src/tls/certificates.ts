import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from 'selfsigned';

export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Every server of the gateway refuses TLS older than 1.2. */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

/**
 * Loads the configured certificate and key, or (embedded default) creates a
 * self-signed certificate for localhost / 127.0.0.1 / ::1 at first start and
 * keeps it in `dataDir/tls`.
 */
export async function loadOrCreateTls(dataDir: string, certFile?: string, keyFile?: string): Promise<TlsMaterial & { created: boolean }> {
  if (certFile || keyFile) {
    if (!certFile || !keyFile) throw new Error('tls.certFile and tls.keyFile must be set together');
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile, created: false };
  }
  const dir = join(dataDir, 'tls');
  const cert = join(dir, 'gateway.crt');
  const key = join(dir, 'gateway.key');
  if (existsSync(cert) && existsSync(key)) {
    return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8'), certFile: cert, keyFile: key, created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const now = new Date();
  const pems = await generate([{ name: 'commonName', value: 'localhost' }], {
    keySize: 2048,
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 825 * 24 * 3600 * 1000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] },
    ],
  });
  writeFileSync(key, pems.private, { mode: 0o600 });
  writeFileSync(cert, pems.cert, { mode: 0o600 });
  return { cert: pems.cert, key: pems.private, certFile: cert, keyFile: key, created: true };
}
