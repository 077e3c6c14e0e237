import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/db.js';
import { tokensRepo } from '../store/tokens-repo.js';

const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** API bearer tokens: only their SHA-256 is stored; a token is shown once, when made. */
export function createTokenService(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Make sure an admin token exists. With `STEWARD_ADMIN_TOKEN` that token is registered; on a
     * store without tokens a new one is made and returned (to be printed once). Otherwise null.
     */
    async ensureAdmin(envToken: string | undefined): Promise<string | null> {
      if (envToken !== undefined && envToken !== '') {
        await tokensRepo.insert(db, `env-${hashToken(envToken).slice(0, 12)}`, 'admin (STEWARD_ADMIN_TOKEN)', hashToken(envToken));
        return null;
      }
      if ((await tokensRepo.count(db)) > 0) return null;
      const token = `stw_${randomBytes(32).toString('base64url')}`;
      await tokensRepo.insert(db, `tok-${randomBytes(6).toString('hex')}`, 'admin', hashToken(token));
      return token;
    },

    /** The token's identity, or null. */
    async verify(token: string): Promise<{ id: string; name: string } | null> {
      // Looked up by SHA-256: timing reveals nothing about the token itself.
      return tokensRepo.findByHash(db, hashToken(token));
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
