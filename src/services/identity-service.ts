import type { PolicySecrets } from './policy-secrets.js';
import { checkFile } from '../config/check-file.js';
import { errorOf, fieldName } from '../config/issues.js';
import type { ConfigFile } from '../config/schema.js';
import { badText } from '../config/text-check.js';
import type { GovernanceModel } from '../config/to-model.js';
import { StewardError, invalidInput, notFound } from '../domain/errors.js';
import { STEWARD_NAME_HINT, stewardNameProblem, type User } from '../domain/identity.js';
import { showName } from '../domain/principal-name.js';
import type { Policy } from '../domain/policy.js';
import { decodePath, encodePath } from '../domain/paths.js';
import type { Db, Executor } from '../store/db.js';
import { identitiesRepo, type StoredUser } from '../store/identities-repo.js';
import { policiesRepo, type StoredPolicy } from '../store/policies-repo.js';
import { tagsRepo, type TagRow } from '../store/tags-repo.js';
import type { AuditService } from './audit-service.js';
import type { ConfigService } from './config-service.js';

function checkName(field: string, name: string): void {
  const problem = stewardNameProblem(name);
  if (problem !== null) throw invalidInput(field, `${JSON.stringify(name)} ${problem}`, STEWARD_NAME_HINT);
}

/** Refuse text no store keeps (NUL, broken Unicode) anywhere in an API body, naming the field. */
function checkText(what: string, value: unknown): void {
  const bad = badText(value);
  if (bad) throw invalidInput(fieldName([what, ...bad.path]), `${showName(bad.value)} ${bad.problem}`, bad.hint);
}

/**
 * What comes in over the API or CLI is checked as a configuration holding just it would be:
 * the file-level checks (names, globs), then against the store (references, logins per platform).
 */
async function checkAsConfig(config: ConfigService, incoming: ConfigFile, replace: (m: GovernanceModel) => GovernanceModel): Promise<void> {
  const issues = checkFile(incoming, { file: '', lineOf: () => null });
  if (issues.length > 0) throw errorOf(issues);
  await config.checkIncoming(incoming, replace);
}

/** Users, groups, principal mappings, tags and policies managed over the API and CLI (source `api`). */
export function createIdentityService(deps: { db: Db; audit: AuditService; config: ConfigService; secrets: PolicySecrets }) {
  const { db, audit, config, secrets } = deps;
  return {
    listUsers(): Promise<StoredUser[]> {
      return identitiesRepo.users(db);
    },
    async getUser(name: string): Promise<StoredUser> {
      const u = (await identitiesRepo.users(db, name))[0];
      if (!u) throw notFound('user', name);
      return u;
    },
    async putUser(u: User, actor: string): Promise<void> {
      checkName('name', u.name);
      u.groups.forEach((g, i) => checkName(`groups[${i}]`, g));
      checkText('user', u);
      if (u.email !== null && !/^[^@\s]+@[^@\s]+$/.test(u.email)) throw invalidInput('email', `"${u.email}" is not an e-mail address`);
      const entry = {
        groups: [...u.groups],
        attributes: Object.fromEntries(Object.entries(u.attributes).map(([k, v]) => [k, [...v]])),
        principals: { ...u.principals },
        ...(u.email !== null ? { email: u.email } : {}),
      };
      await checkAsConfig(config, { users: { [u.name]: entry } }, (m) => ({
        ...m,
        users: [...m.users.filter((x) => x.name !== u.name), u],
        groups: [...new Set([...m.groups, ...u.groups])],
      }));
      await db.transaction(async (tx) => {
        const before = (await identitiesRepo.users(tx, u.name))[0] ?? null;
        await identitiesRepo.putUser(tx, u, 'api');
        const after = (await identitiesRepo.users(tx, u.name))[0] ?? null;
        await audit.record(tx, { actor, action: 'user.put', target: `user:${u.name}`, outcome: 'ok', summary: u.name, before, after });
      });
    },
    async deleteUser(name: string, actor: string): Promise<void> {
      await db.transaction(async (tx) => {
        const before = (await identitiesRepo.users(tx, name))[0] ?? null;
        if (!(await identitiesRepo.deleteUser(tx, name))) throw notFound('user', name);
        await audit.record(tx, { actor, action: 'user.delete', target: `user:${name}`, outcome: 'ok', summary: name, before, after: null });
      });
    },
    listGroups() {
      return identitiesRepo.groups(db);
    },
    async addGroup(name: string, actor: string): Promise<void> {
      checkName('name', name);
      checkText('name', name);
      await db.transaction(async (tx) => {
        const group = async () => (await identitiesRepo.groups(tx)).find((g) => g.name === name) ?? null;
        const before = await group();
        await identitiesRepo.ensureGroups(tx, [name], 'api');
        await audit.record(tx, { actor, action: 'group.add', target: `group:${name}`, outcome: 'ok', summary: name, before, after: await group() });
      });
    },
    async deleteGroup(name: string, actor: string): Promise<void> {
      await db.transaction(async (tx) => {
        const before = (await identitiesRepo.groups(tx)).find((g) => g.name === name) ?? null;
        if (!(await identitiesRepo.deleteGroup(tx, name))) throw notFound('group', name);
        await audit.record(tx, { actor, action: 'group.delete', target: `group:${name}`, outcome: 'ok', summary: name, before, after: null });
      });
    },

    listTags(connection?: string): Promise<TagRow[]> {
      return tagsRepo.list(db, connection);
    },
    async tag(fullPath: string, tag: string, actor: string): Promise<void> {
      const { connection, path } = splitFull(fullPath);
      checkName('tag', tag);
      checkText('tag', { path: fullPath, tag });
      await checkAsConfig(config, { tags: { [fullPath]: [tag] } }, (m) => ({ ...m, tags: [...m.tags, { connection, path, tag }] }));
      await db.transaction(async (tx) => {
        const before = await tagsOn(tx, connection, path);
        await tagsRepo.add(tx, [{ connection, path, tag }], 'api');
        await audit.record(tx, {
          actor, action: 'tag.add', connection, target: `object:${fullPath}`, outcome: 'ok', summary: `${fullPath} +${tag}`,
          before: { tags: before }, after: { tags: await tagsOn(tx, connection, path) },
        });
      });
    },
    async untag(fullPath: string, tag: string, actor: string): Promise<void> {
      const { connection, path } = splitFull(fullPath);
      await db.transaction(async (tx) => {
        const before = await tagsOn(tx, connection, path);
        if (!(await tagsRepo.remove(tx, connection, path, tag))) throw notFound('tag', `${tag} on ${fullPath}`);
        await audit.record(tx, {
          actor, action: 'tag.remove', connection, target: `object:${fullPath}`, outcome: 'ok', summary: `${fullPath} -${tag}`,
          before: { tags: before }, after: { tags: await tagsOn(tx, connection, path) },
        });
      });
    },

    async listPolicies(): Promise<StoredPolicy[]> {
      return (await policiesRepo.list(db)).map((p) => ({ ...p, policy: secrets.redact(p.policy) }));
    },
    async getPolicy(name: string): Promise<StoredPolicy> {
      const p = await policiesRepo.get(db, name);
      if (!p) throw notFound('policy', name);
      return { ...p, policy: secrets.redact(p.policy) };
    },
    async putPolicy(p: unknown, actor: string): Promise<Policy> {
      // Loaded on use: the validator (Ajv, the TypeBox schema) is ~0.1 s of every CLI start otherwise.
      const { validatePolicy } = await import('../config/validators.js');
      if (!validatePolicy(p)) {
        const e = validatePolicy.errors?.[0];
        throw new StewardError('invalid_input', `policy${e?.instancePath.replace(/\//g, '.') ?? ''}: ${e?.message ?? 'is invalid'}`, {
          hint: 'see `steward schema` for the policy shape',
        });
      }
      checkText('policy', p);
      await checkAsConfig(config, { policies: [p as unknown as NonNullable<ConfigFile['policies']>[number]] }, (m) => ({ ...m, policies: [...m.policies.filter((x) => x.name !== p.name), p] }));
      await db.transaction(async (tx) => {
        const before = (await policiesRepo.get(tx, p.name))?.policy ?? null;
        await policiesRepo.put(tx, secrets.seal(p, before), 'api');
        await audit.record(tx, { actor, action: 'policy.put', target: `policy:${p.name}`, outcome: 'ok', summary: p.name, before: before && secrets.redact(before), after: secrets.redact(p) });
      });
      return secrets.redact(p);
    },
    async deletePolicy(name: string, actor: string): Promise<void> {
      await db.transaction(async (tx) => {
        const stored = (await policiesRepo.get(tx, name))?.policy ?? null;
        const before = stored && secrets.redact(stored);
        if (!(await policiesRepo.remove(tx, name))) throw notFound('policy', name);
        await audit.record(tx, { actor, action: 'policy.delete', target: `policy:${name}`, outcome: 'ok', summary: name, before, after: null });
      });
    },
  };
}

/** The tags on one object, for an audit event's before and after. */
async function tagsOn(tx: Executor, connection: string, path: string): Promise<string[]> {
  return (await tagsRepo.list(tx, connection)).filter((t) => t.path === path).map((t) => t.tag);
}

function splitFull(fullPath: string): { connection: string; path: string } {
  let segs: string[];
  try {
    segs = decodePath(fullPath);
  } catch (err) {
    throw invalidInput('path', (err as Error).message, 'escape "/", "*" and "\\" in names with a backslash');
  }
  if (segs.length < 2) throw invalidInput('path', `"${fullPath}" must name an object below a connection`, 'write connection/database/…');
  return { connection: segs[0]!, path: encodePath(segs.slice(1)) };
}

export type IdentityService = ReturnType<typeof createIdentityService>;
