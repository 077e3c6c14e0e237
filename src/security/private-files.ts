/**
 * Files only the owner may read: the data directory (0700), and everything in it that holds
 * secrets or data (0600). Modes are set explicitly with chmod, never left to the umask, and an
 * existing directory is tightened too: a `--data-dir` created earlier with 0755 would otherwise
 * let other local users read the store.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, fchmodSync, fsyncSync, linkSync, mkdirSync, openSync, readdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../domain/errors.js';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Create `dir` (and its parents) if needed and make it 0700. A path that exists but is not a
 * directory, or cannot be created, is a named input error, never a raw ENOTDIR.
 */
export function ensurePrivateDir(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      isDir = false;
      try {
        mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
        isDir = true;
      } catch (e) {
        throw dataDirError(dir, e);
      }
    } else {
      throw dataDirError(dir, err);
    }
  }
  if (!isDir) {
    throw new StewardError('invalid_input', `data directory: ${dir} exists and is not a directory`, {
      hint: 'pass --data-dir (or STEWARD_DATA_DIR) a directory, or a path where one can be created',
      details: { field: 'dataDir' },
    });
  }
  try {
    chmodSync(dir, PRIVATE_DIR_MODE);
  } catch (err) {
    throw dataDirError(dir, err);
  }
}

function dataDirError(dir: string, err: unknown): StewardError {
  const code = (err as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'ENOTDIR' ? 'a parent of it is a file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code;
  return new StewardError('invalid_input', `data directory: cannot use ${dir} (${why})`, {
    hint: 'pass --data-dir (or STEWARD_DATA_DIR) a directory this user owns',
    details: { field: 'dataDir' },
  });
}

/**
 * Create `file` holding `content`, mode 0600 whatever the umask, atomically: the content is
 * written to a temporary file first and linked into place, so nobody ever reads a half-written
 * file, and an existing `file` makes it fail with EEXIST (two processes racing: one wins).
 */
export function writeNewPrivateFile(file: string, content: string): void {
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/**
 * Make every directory under `root` (itself included) 0700 and every file 0600. The embedded
 * database engine creates its files with modes of its own (0666, 0644); this runs when the store
 * is created and closed, and the 0700 data directory keeps them out of reach in between.
 */
export function tightenTree(root: string): void {
  chmodSync(root, PRIVATE_DIR_MODE);
  for (const entry of readdirSync(root, { withFileTypes: true })) {
    const p = join(root, entry.name);
    try {
      if (entry.isDirectory()) tightenTree(p);
      else if (entry.isFile()) chmodSync(p, PRIVATE_FILE_MODE);
    } catch (err) {
      // A file the engine removed between readdir and chmod (a temp file) is not an error.
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
  }
}
