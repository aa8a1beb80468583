import { readFileSync, statSync } from 'node:fs';

/**
 * A secret the configuration names (a webhook's signing secret, an SMTP
 * password), read whole and trimmed. On Linux and macOS the file must be
 * readable by its owner only (mode 0600): a secret others can read signs
 * nothing. A clear error names the setting otherwise.
 */
export function readPrivateFile(path: string, setting: string): string {
  let text: string;
  try {
    if (process.platform !== 'win32') {
      const mode = statSync(path).mode & 0o777;
      if ((mode & 0o077) !== 0) throw Object.assign(new Error(`mode ${mode.toString(8).padStart(4, '0')}`), { code: 'EMODE' });
    }
    text = readFileSync(path, 'utf8').trim();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EMODE') throw new Error(`${setting}: ${path} can be read by others (${err.message}); make it readable by its owner only (chmod 600)`);
    throw new Error(`${setting}: cannot read ${path} (${err.code ?? err.message})`);
  }
  if (text === '') throw new Error(`${setting}: ${path} is empty; it must hold the secret`);
  return text;
}
