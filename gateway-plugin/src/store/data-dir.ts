import { execFileSync } from 'node:child_process';
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
export function secureDataDir(dataDir: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(dataDir, { recursive: true, mode: DATA_DIR_MODE });
  try {
    // On Windows the mode bits do not keep other accounts out: an ACL does.
    if (platform === 'win32') restrictWindowsAcl(dataDir);
    else tighten(dataDir, 0);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new Error(`The data directory ${dataDir} must be private to the gateway's account (mode 0700, files 0600) and could not be made so: ${reason}`);
  }
}

/** Well-known SIDs: the local Administrators group and the LocalSystem account. */
export const ADMINISTRATORS_SID = 'S-1-5-32-544';
export const SYSTEM_SID = 'S-1-5-18';

/**
 * The icacls arguments that make `dataDir` readable only by Administrators,
 * SYSTEM and the gateway's own account (`ownSid`, for a gateway that runs
 * as a service account that is neither), in one run, so there is no moment
 * when the directory is more open than before: inheritance from the parent
 * is cut (dropping the inherited entries, such as Users on ProgramData) and
 * the three get full control, inherited by the files and folders in it
 * (`(OI)(CI)`), so the machine credential, the admin credential and the
 * keys are readable by no one else, which is what mode 0600 gives elsewhere.
 * Entries someone added to the directory by hand for other accounts are not
 * removed: give the gateway a new directory rather than a shared one.
 */
export function windowsAclArguments(dataDir: string, ownSid: string): string[] {
  if (!/^S-1-[0-9-]+$/.test(ownSid)) throw new Error(`${ownSid} is not a security identifier (S-1-…)`);
  const sids = [...new Set([ADMINISTRATORS_SID, SYSTEM_SID, ownSid])];
  return [dataDir, '/inheritance:r', ...sids.flatMap((sid) => ['/grant:r', `*${sid}:(OI)(CI)F`]), '/Q'];
}

/** The SID of the account the gateway runs as, from `whoami /user` (CSV: "name","SID"). */
export function readOwnSid(whoamiCsv: string): string {
  const m = /"[^"]*","(S-1-[0-9-]+)"/.exec(whoamiCsv);
  if (!m) throw new Error(`whoami /user did not name a SID (${whoamiCsv.trim().slice(0, 80)})`);
  return m[1]!;
}

/** Windows only: applies {@link windowsAclArguments} with icacls (no shell: the path is an argument). */
function restrictWindowsAcl(dataDir: string): void {
  const ownSid = readOwnSid(execFileSync('whoami', ['/user', '/fo', 'csv', '/nh'], { encoding: 'utf8', windowsHide: true }));
  execFileSync('icacls', windowsAclArguments(dataDir, ownSid), { encoding: 'utf8', windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'] });
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
