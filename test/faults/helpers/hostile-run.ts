/**
 * The hostile-input scenario on one target. Each hostile name is tried in every role Steward
 * takes a name in; what the expectations below say a role refuses must be refused with an error
 * naming it, everything else must work exactly:
 * - refusals: a configuration holding just that name in that role is checked (as `plan` and
 *   `apply` check it) and must fail, its message showing the name;
 * - the rest go into one configuration: one schema/database, table and column per name, one
 *   user, group, tag, attribute, login and read policy per name (plus a write policy by path
 *   and a guardrail by column tag). Sync must see every object name exactly, apply must
 *   converge (the next plan is empty), and each login must read and write its own table,
 *   not its neighbour's; a decoy in every group but missing the attributes gets nothing.
 *
 * The expectations are written out here, from what the platforms do (see the comments), not
 * taken from Steward's own validators, so that a validator that lets a bad name through fails.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLocalClient } from '../../../src/client/local-client.js';
import type { StewardClient } from '../../../src/client/steward-client.js';
import { parseConfig } from '../../../src/config/load-config.js';
import { StewardError } from '../../../src/domain/errors.js';
import { decodePath, encodePath } from '../../../src/domain/paths.js';
import { showName } from '../../../src/domain/principal-name.js';
import { createServices, type Services } from '../../../src/services/container.js';
import { openPglite } from '../../../src/store/db.js';
import { migrate } from '../../../src/store/migrations.js';
import { objectsRepo } from '../../../src/store/objects-repo.js';
import type { HostileName } from '../../helpers/hostile-names.js';
import type { HostileObject, HostileTarget } from './hostile-targets.js';

export type Role = 'user' | 'group' | 'tag' | 'attribute' | 'value' | 'policy' | 'login';
export const ROLES: readonly Role[] = ['user', 'group', 'tag', 'attribute', 'value', 'policy', 'login'];

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** Text no store keeps: NUL (PostgreSQL text cannot), a lone surrogate (not Unicode). */
const badText = (s: string): boolean => s.includes('\u0000') || LONE_SURROGATE.test(s);
const chars = (s: string): number => [...s].length;

/** Steward's own names (users, groups, tags): 1–128 characters, no "/", not starting with whitespace. */
const stewardNameRefused = (s: string): boolean => badText(s) || s.length === 0 || chars(s) > 128 || s.includes('/') || /^\s/.test(s);

/** Should Steward refuse `name` in `role` on this target (login: the login the target maps it to)? */
export function refused(target: HostileTarget, role: Role, name: string, rolePrefix: string): boolean {
  switch (role) {
    case 'user':
    case 'group':
    case 'tag':
      return stewardNameRefused(name);
    case 'attribute':
      return badText(name) || name.trim() === '';
    case 'value':
      return badText(name);
    case 'policy':
      return badText(name) || chars(name) > 128;
    case 'login': {
      const login = target.login(name);
      if (badText(login) || login.startsWith(rolePrefix)) return true;
      if (target.type === 'postgres') {
        // PostgreSQL 15: names over 63 bytes are truncated; public, none and pg_* are reserved.
        return Buffer.byteLength(login) > 63 || login === 'public' || login === 'none' || login.startsWith('pg_');
      }
      // MariaDB 10.11: User is char(128) utf8mb3: trailing spaces dropped, no characters outside
      // the BMP; a name starting with a quote is how Steward writes an account literal.
      return chars(login) > 128 || /[\u{10000}-\u{10ffff}]/u.test(login) || login.endsWith(' ') || login.startsWith("'");
    }
  }
}

/** A configuration holding `name` in `role` and nothing that could fail on its own. */
function probeConfig(target: HostileTarget, role: Role, name: string): Record<string, unknown> {
  switch (role) {
    case 'user':
      // An explicit login: the name is tried as a Steward user, not as a login through the template.
      return { users: { [name]: { principals: { [target.connection]: target.login('probe') } } } };
    case 'group':
      return { groups: [name] };
    case 'tag':
      return { tags: { [`${target.connection}/probe`]: [name] } };
    case 'attribute':
      return { users: { probe: { attributes: { [name]: ['v'] } } } };
    case 'value':
      return { users: { probe: { attributes: { k: [name] } } } };
    case 'policy':
      return { users: { probe: {} }, policies: [{ name, type: 'subscription', access: 'read', to: { users: ['probe'] }, on: { all: true } }] };
    case 'login':
      return { users: { probe: { principals: { [target.connection]: target.login(name) } } } };
  }
}

function yamlOf(cfg: Record<string, unknown>): string {
  return stringify(cfg, { lineWidth: 0 });
}

interface Governed {
  readonly index: number;
  readonly hostile: HostileName;
  readonly object: HostileObject;
  readonly user: string;
  readonly login: string;
}

/**
 * Register the describe blocks for `names` on `target`. `label` names the block (the main
 * suite and the known-failures file use the same scenario on different names).
 */
export function describeHostile(makeTarget: () => HostileTarget, names: readonly HostileName[], label = 'hostile input'): void {
  const target = makeTarget();
  describe.skipIf(!target.available)(`${label} on ${target.label}`, () => {
    let services: Services;
    let client: StewardClient;
    const rolePrefix = `steward_${target.connection}__`;
    const governed: Governed[] = [];
    let config = '';

    beforeAll(async () => {
      const started = await target.start();
      const db = await openPglite(null);
      await migrate(db);
      services = createServices({ db, masterKey: randomBytes(32), platforms: started.platforms });
      client = createLocalClient(services, 'faults');

      // Objects and logins, named after each hostile name where the server can hold it.
      const used = { user: new Set<string>(), login: new Set<string>() };
      names.forEach((h, index) => {
        const object: HostileObject = {
          containers: target.containersFor(index, h.name),
          table: target.holds('table', h.name) ? h.name : `t${index}`,
          column: target.holds('column', h.name) ? h.name : `c${index}`,
        };
        const user = refused(target, 'user', h.name, rolePrefix) ? `user-${index}` : h.name;
        const login = refused(target, 'login', h.name, rolePrefix) ? target.login(`l${index}`) : target.login(h.name);
        expect(used.user.has(user) || used.login.has(login), `duplicate user or login for ${showName(h.name)}`).toBe(false);
        used.user.add(user);
        used.login.add(login);
        governed.push({ index, hostile: h, object, user, login });
      });
      await target.createObjects(governed.map((g) => g.object));
      await target.createLogins([...governed.map((g) => g.login), target.login('decoy')]);
      await services.connections.add({ name: target.connection, type: target.type, url: started.url, options: { ...started.options, databases: [...new Set(governed.map((g) => g.object.containers[0]!))] } }, 'faults');
      await services.syncConnection(target.connection);

      const pick = (role: Role, g: Governed, fallback: string): string => (refused(target, role, g.hostile.name, rolePrefix) ? fallback : g.hostile.name);
      const users: Record<string, unknown> = {};
      const tags: Record<string, string[]> = {};
      const policies: Record<string, unknown>[] = [];
      for (const g of governed) {
        const i = g.index;
        const group = pick('group', g, `group-${i}`);
        const key = pick('attribute', g, `attr-${i}`);
        const value = pick('value', g, `value-${i}`);
        const tag = pick('tag', g, `tag-${i}`);
        users[g.user] = { groups: [group], attributes: { [key]: [value], hk: ['ok'] }, principals: { [target.connection]: g.login } };
        const tablePath = encodePath([target.connection, ...g.object.containers, g.object.table]);
        tags[tablePath] = [tag];
        tags[encodePath([target.connection, ...g.object.containers, g.object.table, g.object.column])] = ['col'];
        policies.push({ name: pick('policy', g, `read-${i}`), type: 'subscription', access: 'read', to: { groups: [group], attributes: { [key]: [value] } }, on: { tags: [tag] } });
        policies.push({ name: `write-${i}`, type: 'subscription', access: 'write', to: { users: [g.user] }, on: { paths: [tablePath] } });
      }
      const first = governed[0]!;
      users.decoy = {
        groups: governed.map((g) => pick('group', g, `group-${g.index}`)),
        attributes: { [pick('attribute', first, `attr-${first.index}`)]: [pick('value', first, `value-${first.index}`)] },
        principals: { [target.connection]: target.login('decoy') },
      };
      policies.push({ name: 'column-guard', type: 'guardrail', to: { attributes: { hk: ['ok'] } }, on: { tags: ['col'] } });
      config = yamlOf({ users, tags, policies });
    });

    afterAll(async () => {
      await services?.close();
      await target.stop();
    });

    it('refuses exactly the names each role cannot take, with an error naming the name', async () => {
      const wrong: string[] = [];
      for (const role of ROLES) {
        for (const h of names) {
          const expectRefused = refused(target, role, h.name, rolePrefix);
          const shown = showName(role === 'login' ? target.login(h.name) : h.name);
          let error: StewardError | null = null;
          try {
            await services.config.preview(parseConfig(yamlOf(probeConfig(target, role, h.name)), 'hostile.yaml', {}));
          } catch (err) {
            if (!(err instanceof StewardError)) throw err;
            error = err;
          }
          if (expectRefused && error === null) wrong.push(`${role} ${shown}: accepted, but ${target.label} would refuse or alter it`);
          else if (!expectRefused && error !== null) wrong.push(`${role} ${shown}: refused: ${error.message}`);
          else if (error !== null && (error.code !== 'invalid_input' || !error.message.includes(shown) || !error.hint)) {
            wrong.push(`${role} ${shown}: refused without naming it (or without a hint): ${error.message}`);
          }
        }
      }
      expect(wrong).toEqual([]);
    });

    it('uses the hostile names themselves, not stand-ins, for most objects and logins', () => {
      const verbatim = {
        tables: governed.filter((g) => g.object.table === g.hostile.name).length,
        columns: governed.filter((g) => g.object.column === g.hostile.name).length,
        logins: governed.filter((g) => g.login === target.login(g.hostile.name)).length,
        users: governed.filter((g) => g.user === g.hostile.name).length,
      };
      const floor = Math.floor(names.length * 0.75);
      expect(verbatim).toEqual({ tables: expect.any(Number), columns: expect.any(Number), logins: expect.any(Number), users: expect.any(Number) });
      for (const [what, n] of Object.entries(verbatim)) expect(n, `${what} named after the hostile name`).toBeGreaterThanOrEqual(floor);
    });

    it('syncs every object name exactly', async () => {
      const live = await objectsRepo.live(services.db, target.connection, { withColumns: true });
      const seen = new Set(live.flatMap((o) => [JSON.stringify(decodePath(o.path)), ...(o.columns ?? []).map((c) => JSON.stringify([...decodePath(o.path), c.name]))]));
      const missing = governed.flatMap((g) => {
        const table = [...g.object.containers, g.object.table];
        return [table, [...table, g.object.column]].filter((p) => !seen.has(JSON.stringify(p))).map((p) => `${showName(g.hostile.name)}: ${JSON.stringify(p)} not in the catalog`);
      });
      expect(missing).toEqual([]);
      const databases = new Set(live.filter((o) => o.kind === 'database').map((o) => decodePath(o.path)[0]));
      expect([...new Set(governed.map((g) => g.object.containers[0]!))].filter((d) => !databases.has(d))).toEqual([]);
    });

    it('stores the configuration, applies it, and converges: the next plan is empty', async () => {
      const cfg = parseConfig(config, 'hostile.yaml', {});
      await client.storeConfig(cfg);
      const r = await client.applyConnection(target.connection, { sync: false });
      expect(r.error ?? null).toBeNull();
      expect(r.status).toBe('applied');
      const [again] = await client.plan(cfg, target.connection);
      expect(again!.statements.map((s) => s.sql)).toEqual([]);
    });

    it('gives each login exactly its access: its own table, read and write; not its neighbour\'s', async () => {
      const wrong: string[] = [];
      for (const g of governed) {
        const next = governed[(g.index + 1) % governed.length]!;
        const own = await target.probe(g.login, target.selectSql(g.object), g.object);
        const write = await target.probe(g.login, target.insertSql(g.object), g.object);
        const other = await target.probe(g.login, target.selectSql(next.object), next.object);
        if (own !== 'ok') wrong.push(`${showName(g.hostile.name)}: cannot read its table: ${own}`);
        if (write !== 'ok') wrong.push(`${showName(g.hostile.name)}: cannot write its table: ${write}`);
        if (other === 'ok' && next !== g) wrong.push(`${showName(g.hostile.name)}: reads the table of ${showName(next.hostile.name)}`);
      }
      const decoy = await target.probe(target.login('decoy'), target.selectSql(governed[0]!.object), governed[0]!.object);
      if (decoy === 'ok') wrong.push('the decoy (every group, not the attributes) reads a table');
      expect(wrong).toEqual([]);
    });
  });
}
