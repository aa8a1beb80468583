import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Encrypts secrets at rest (the SAS credential) with AES-256-GCM under a key
 * kept in the data directory with mode 0600. A copy of the database alone
 * does not reveal the credential.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** Loads the key from `dataDir/secret.key`, creating it on first use. */
  static open(dataDir: string): SecretBox {
    const path = join(dataDir, 'secret.key');
    if (!existsSync(path)) {
      writeFileSync(path, randomBytes(32), { mode: 0o600, flag: 'wx' });
    }
    const key = readFileSync(path);
    if (key.length !== 32) throw new Error(`${path} must hold a 32-byte key; it holds ${key.length} bytes`);
    return new SecretBox(key);
  }

  seal(plaintext: string): Buffer {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  open(sealed: Buffer): string {
    const decipher = createDecipheriv('aes-256-gcm', this.key, sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(12, 28));
    return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]).toString('utf8');
  }
}
