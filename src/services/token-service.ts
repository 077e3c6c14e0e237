import { createHash, randomBytes } from 'node:crypto';
import { StewardError, invalidInput, notFound } from '../domain/errors.js';
import { ROLES, isRole, type Role } from '../domain/roles.js';
import type { Db } from '../store/db.js';
import { tokensRepo, type TokenRow } from '../store/tokens-repo.js';
import type { AuditService } from './audit-service.js';

const hashToken = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/** 256 random bits: a hash of it cannot be searched, so SHA-256 (not a slow KDF) suffices. */
const newToken = (): string => `stw_${randomBytes(32).toString('base64url')}`;

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** What is shown of a token: never the token, never its hash. */
export interface TokenInfo {
  readonly name: string;
  readonly role: Role;
  /** The Steward user this token acts as (its audit events name that user), or null. */
  readonly user: string | null;
  readonly status: 'active' | 'expired' | 'revoked';
  readonly createdAt: string;
  readonly createdBy: string | null;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface TokenInput {
  readonly name: string;
  readonly role: string;
  readonly user?: string | null;
  /** Absent or null: the token does not expire. */
  readonly expiresAt?: string | Date | null;
}

/** The one answer with the token itself: shown once, then only its hash is kept. */
export interface CreatedToken extends TokenInfo {
  readonly token: string;
}

/** Who a valid token is. */
export interface TokenIdentity {
  readonly name: string;
  readonly role: Role;
  readonly user: string | null;
}

export type Verification = { readonly ok: true; readonly identity: TokenIdentity } | { readonly ok: false; readonly problem: string };

const iso = (d: Date | null): string | null => (d === null ? null : d.toISOString());

export function tokenInfo(r: TokenRow): TokenInfo {
  return {
    name: r.name,
    role: r.role,
    user: r.user,
    status: r.revokedAt !== null ? 'revoked' : r.expired ? 'expired' : 'active',
    createdAt: r.createdAt.toISOString(),
    createdBy: r.createdBy,
    expiresAt: iso(r.expiresAt),
    revokedAt: iso(r.revokedAt),
    lastUsedAt: iso(r.lastUsedAt),
  };
}

function expiryOf(value: TokenInput['expiresAt']): Date | null {
  if (value === undefined || value === null) return null;
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) throw invalidInput('expiresAt', `"${String(value)}" is not a date-time`, 'write it like 2027-01-31T00:00:00Z');
  if (d.getTime() <= Date.now()) throw invalidInput('expiresAt', `${d.toISOString()} is in the past`, 'give a time in the future, or none for a token that does not expire');
  return d;
}

/**
 * API bearer tokens with roles: only their SHA-256 is stored; a token is shown once, when made.
 * Tokens may expire and are revoked by name; a token made for a user acts as that user.
 */
export function createTokenService(deps: { db: Db; audit: AuditService }) {
  const { db, audit } = deps;
  return {
    /**
     * Make sure an admin token exists. With `STEWARD_ADMIN_TOKEN` that token is registered (as
     * `env-<hash prefix>`; once revoked it stays revoked); on a store without tokens a new one is
     * made and returned (to be printed once). Otherwise null.
     */
    async ensureAdmin(envToken: string | undefined): Promise<string | null> {
      if (envToken !== undefined && envToken !== '') {
        const hash = hashToken(envToken);
        const id = `env-${hash.slice(0, 12)}`;
        await tokensRepo.insert(db, { id, name: id, hash, role: 'admin', user: null, expiresAt: null, createdBy: 'STEWARD_ADMIN_TOKEN' });
        return null;
      }
      if ((await tokensRepo.count(db)) > 0) return null;
      const token = newToken();
      const id = `tok-${randomBytes(6).toString('hex')}`;
      await tokensRepo.insert(db, { id, name: 'admin', hash: hashToken(token), role: 'admin', user: null, expiresAt: null, createdBy: 'first start' });
      return token;
    },

    /** Who the token is, or why it is refused (unknown, revoked, expired, its user gone). */
    async verify(token: string): Promise<Verification> {
      // Looked up by SHA-256: timing reveals nothing about the token itself.
      const row = await tokensRepo.findByHash(db, hashToken(token));
      if (row === null) return { ok: false, problem: 'invalid bearer token' };
      if (row.revokedAt !== null) return { ok: false, problem: `token "${row.name}" was revoked` };
      if (row.expired) return { ok: false, problem: `token "${row.name}" expired at ${iso(row.expiresAt)}` };
      if (row.user !== null) {
        const users = await db.query('SELECT 1 FROM users WHERE name = $1', [row.user]);
        if (users.length === 0) return { ok: false, problem: `token "${row.name}" acts as user "${row.user}", who no longer exists` };
      }
      if (row.lastUsedAt === null || Date.now() - row.lastUsedAt.getTime() > 60_000) await tokensRepo.touch(db, row.id);
      return { ok: true, identity: { name: row.name, role: row.role, user: row.user } };
    },

    async create(input: TokenInput, actor: string): Promise<CreatedToken> {
      if (!NAME_RE.test(input.name)) {
        throw invalidInput('name', `"${input.name}" is not a valid token name`, 'use 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit');
      }
      if (!isRole(input.role)) throw invalidInput('role', `unknown role "${input.role}"`, `use one of: ${ROLES.join(', ')}`);
      const role = input.role;
      const user = input.user ?? null;
      if (role === 'owner' && user === null) throw invalidInput('user', 'is required for role owner', 'an owner token acts as the user who owns the data: pass --user NAME');
      if (role === 'scim' && user !== null) throw invalidInput('user', 'is not allowed for role scim', 'a scim token acts for the identity provider, not for a user');
      const expiresAt = expiryOf(input.expiresAt);
      const token = newToken();
      const row = await db.transaction(async (tx) => {
        if (user !== null && (await tx.query('SELECT 1 FROM users WHERE name = $1', [user])).length === 0) {
          throw notFound('user', user, 'create the user first: steward user put NAME');
        }
        if (await tokensRepo.findActive(tx, input.name)) {
          throw new StewardError('conflict', `token "${input.name}" already exists`, { hint: `choose another name, or revoke it first: steward token revoke ${input.name}` });
        }
        await tokensRepo.insert(tx, { id: `tok-${randomBytes(6).toString('hex')}`, name: input.name, hash: hashToken(token), role, user, expiresAt, createdBy: actor });
        const created = (await tokensRepo.findActive(tx, input.name))!;
        await audit.record(tx, {
          actor, action: 'token.create', target: `token:${input.name}`, outcome: 'ok',
          summary: `${input.name} (${role}${user !== null ? `, as user ${user}` : ''})`,
          before: null, after: tokenInfo(created),
        });
        return created;
      });
      return { ...tokenInfo(row), token };
    },

    async list(): Promise<TokenInfo[]> {
      return (await tokensRepo.list(db)).map(tokenInfo);
    },

    /** Revoke the token of that name; it is kept (revoked) so that audit events still name it. */
    async revoke(name: string, actor: string): Promise<TokenInfo> {
      return db.transaction(async (tx) => {
        const row = await tokensRepo.findActive(tx, name);
        if (!row) throw notFound('token', name, 'list tokens with: steward token list');
        await tokensRepo.revoke(tx, row.id);
        const after = tokenInfo((await tokensRepo.get(tx, row.id))!);
        await audit.record(tx, { actor, action: 'token.revoke', target: `token:${name}`, outcome: 'ok', summary: name, before: tokenInfo(row), after });
        return after;
      });
    },
  };
}

export type TokenService = ReturnType<typeof createTokenService>;
