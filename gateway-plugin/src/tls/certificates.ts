import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TlsMaterial {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

/** Every server of the gateway refuses TLS older than 1.2. */
export const MIN_TLS_VERSION = 'TLSv1.2' as const;

/**
 * The cipher suites the gateway offers: TLS 1.3's (all AEAD with forward
 * secrecy), and for TLS 1.2 only ECDHE key exchange with AES-GCM or
 * ChaCha20-Poly1305. Static RSA key exchange and CBC suites are left out.
 */
export const TLS_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');

/** The TLS options of every server of the gateway, with its certificate and key. */
export function serverTlsOptions(material: { cert: string; key: string }): { cert: string; key: string; minVersion: typeof MIN_TLS_VERSION; ciphers: string; honorCipherOrder: true } {
  return { cert: material.cert, key: material.key, minVersion: MIN_TLS_VERSION, ciphers: TLS_CIPHERS, honorCipherOrder: true };
}

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
  // The certificate library is loaded only to make a certificate (a third of a second at every start otherwise).
  const { generate } = await import('selfsigned');
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
