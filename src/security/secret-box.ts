/**
 * Credentials at rest: AES-256-GCM from node:crypto, a fresh 12-byte IV per value, the record's
 * identity as additional authenticated data (a ciphertext copied to another row fails to open).
 * Format: `v1:<base64 iv>:<base64 tag>:<base64 ciphertext>`.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { StewardError } from '../domain/errors.js';
import { ensurePrivateDir, PRIVATE_FILE_MODE, writeNewPrivateFile } from './private-files.js';

export interface SecretBox {
  seal(plaintext: string, context: string): string;
  open(sealed: string, context: string): string;
}

export function createSecretBox(key: Buffer): SecretBox {
  if (key.length !== 32) throw new StewardError('invalid_input', 'master key: must be 32 bytes', { hint: 'generate one with: openssl rand -base64 32' });
  return {
    seal(plaintext, context) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ct = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1:${iv.toString('base64')}:${cipher.getAuthTag().toString('base64')}:${ct.toString('base64')}`;
    },
    open(sealed, context) {
      const [version, iv, tag, ct] = sealed.split(':');
      if (version !== 'v1' || iv === undefined || tag === undefined || ct === undefined) {
        throw new StewardError('internal', 'stored credential has an unknown format');
      }
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64'));
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64'));
        return Buffer.concat([decipher.update(Buffer.from(ct, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new StewardError('internal', 'cannot decrypt a stored credential', {
          hint: 'the master key (STEWARD_MASTER_KEY or master.key in the data directory) differs from the one that encrypted it',
        });
      }
    },
  };
}

function parseKey(text: string, source: string): Buffer {
  const t = text.trim();
  const asHex = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, 'hex') : null;
  const key = asHex ?? Buffer.from(t, 'base64');
  if (key.length !== 32) {
    throw new StewardError('invalid_input', `${source}: the master key must be 32 bytes, base64 or hex encoded`, {
      hint: 'generate one with: openssl rand -base64 32',
    });
  }
  return key;
}

/**
 * The master key: `STEWARD_MASTER_KEY`, else `master.key` in the data directory, created with
 * mode 0600 on first use. With neither a key nor a data directory, an ephemeral key (tests).
 */
export function loadMasterKey(dataDir: string | null, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env.STEWARD_MASTER_KEY;
  if (fromEnv !== undefined && fromEnv !== '') return parseKey(fromEnv, 'STEWARD_MASTER_KEY');
  if (dataDir === null) return randomBytes(32);
  ensurePrivateDir(dataDir);
  const file = join(dataDir, 'master.key');
  if (!existsSync(file)) {
    const key = randomBytes(32);
    try {
      writeNewPrivateFile(file, `${key.toString('base64')}\n`);
      return key;
    } catch (err) {
      // Another process created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  // A key file made by hand or by an older version may be readable by others: tighten it.
  chmodSync(file, PRIVATE_FILE_MODE);
  return parseKey(readFileSync(file, 'utf8'), file);
}
