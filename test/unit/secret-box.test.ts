import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createSecretBox, loadMasterKey } from '../../src/security/secret-box.js';
import { redactSecrets } from '../../src/domain/errors.js';

describe('secret box', () => {
  const box = createSecretBox(randomBytes(32));

  it('seals and opens, never containing the plaintext', () => {
    const sealed = box.seal('postgres://u:hunter2@h/db', 'connection:a');
    expect(sealed).not.toContain('hunter2');
    expect(box.open(sealed, 'connection:a')).toBe('postgres://u:hunter2@h/db');
  });

  it('refuses a ciphertext moved to another record or a wrong key', () => {
    const sealed = box.seal('secret', 'connection:a');
    expect(() => box.open(sealed, 'connection:b')).toThrow(/cannot decrypt/);
    expect(() => createSecretBox(randomBytes(32)).open(sealed, 'connection:a')).toThrow(/cannot decrypt/);
  });

  it('creates a 0600 key file once and reuses it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'steward-key-'));
    const k1 = loadMasterKey(dir, {});
    const k2 = loadMasterKey(dir, {});
    expect(k1.equals(k2)).toBe(true);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(dir, 'master.key'), 'utf8').trim()).toBe(k1.toString('base64'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('takes STEWARD_MASTER_KEY and rejects a short one with a hint', () => {
    const key = randomBytes(32);
    expect(loadMasterKey(null, { STEWARD_MASTER_KEY: key.toString('base64') }).equals(key)).toBe(true);
    expect(loadMasterKey(null, { STEWARD_MASTER_KEY: key.toString('hex') }).equals(key)).toBe(true);
    expect(() => loadMasterKey(null, { STEWARD_MASTER_KEY: 'short' })).toThrow(/32 bytes/);
  });
});

describe('redactSecrets', () => {
  it('hides URL passwords and password pairs', () => {
    expect(redactSecrets('failed for postgres://bob:s3cret@db:5432/x')).toBe('failed for postgres://bob:***@db:5432/x');
    expect(redactSecrets('password=abc host=x')).toBe('password=*** host=x');
    expect(redactSecrets("IDENTIFIED BY 'pw'")).not.toContain('pw');
  });
});
