import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The only permission bits a file the gateway keeps in its data directory may have. */
export const DATA_FILE_MODE = 0o600;
/** The data directory's (and its sub-directories') mode. */
export const DATA_DIR_MODE = 0o700;

/**
 * Makes `dataDir` private to the gateway's account, whatever the umask and
 * whether or not it already existed: creates it 0700, or tightens an
 * existing directory to 0700, and takes the group and other bits off every
 * file and sub-directory already in it (an older gateway created the
 * database 0644). Refuses, with a message naming the directory, when it
 * cannot be tightened (another account owns it).
 *
 * Tightening rather than refusing: the directory holds the gateway's own
 * files only, and an admin who pointed `--data-dir` at a fresh 0755
 * directory should not have to chmod it by hand.
 */
export function secureDataDir(dataDir: string): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  try {
    tighten(dataDir, 0);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`The data directory ${dataDir} must be private to the gateway's account (mode 0700, files 0600) and could not be made so: ${reason}`);
  }
}

function tighten(path: string, depth: number): void {
  const stat = lstatSync(path);
  if (stat.isSymbolicLink()) return;
  if (stat.isDirectory()) {
    if ((stat.mode & 0o777) !== DATA_DIR_MODE) chmodSync(path, DATA_DIR_MODE);
    // The gateway's own layout is two levels deep (tls/); nothing deeper is its own.
    if (depth < 2) for (const name of readdirSync(path)) tighten(join(path, name), depth + 1);
  } else if (stat.isFile() && (stat.mode & 0o077) !== 0) {
    chmodSync(path, stat.mode & DATA_FILE_MODE);
  }
}

/**
 * Creates `path` empty with mode 0600 if it does not exist, and takes the
 * group and other bits off it if it does. SQLite then creates the database's
 * -wal and -shm files with the database file's own mode.
 */
export function ensurePrivateFile(path: string): void {
  closeSync(openSync(path, 'a', DATA_FILE_MODE));
  const mode = lstatSync(path).mode;
  if ((mode & 0o077) !== 0) chmodSync(path, mode & DATA_FILE_MODE);
}

/**
 * Runs `create` with the umask 077, so files it (or a library it calls,
 * such as SQLite) creates are private whatever the process umask was.
 */
export function withPrivateUmask<T>(create: () => T): T {
  const previous = process.umask(0o077);
  try {
    return create();
  } finally {
    process.umask(previous);
  }
}
