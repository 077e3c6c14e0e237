import { isDeepStrictEqual } from 'node:util';
import { CONNECTION_NAME_RE, DEFAULT_OPTIONS, defaultRolePrefix, nestedPrefix, nestedPrefixProblem, PLATFORM_TYPES, type ConnectionOptions, type ConnectionSpec, type PlatformType } from '../domain/connection.js';
import { StewardError, invalidInput, notFound } from '../domain/errors.js';
import { parseDuration } from '../domain/duration.js';
import { compileGlob } from '../domain/glob.js';
import type { CheckOptions, CheckReport, Platform, PlatformSession } from '../platforms/platform.js';
import type { SecretBox } from '../security/secret-box.js';
import type { Db, Executor } from '../store/db.js';
import { connectionsRepo, type ConnectionRow } from '../store/connections-repo.js';
import type { AuditService } from './audit-service.js';

/** What the API and CLI show of a connection: never the URL's password. */
export interface ConnectionView {
  readonly name: string;
  readonly type: PlatformType;
  readonly url: string;
  readonly options: ConnectionOptions;
  readonly source: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ConnectionInput {
  readonly name: string;
  readonly type: string;
  readonly url: string;
  readonly options?: Partial<ConnectionOptions>;
}

export interface OpenConnection {
  readonly spec: ConnectionSpec;
  readonly platform: Platform;
  readonly session: PlatformSession;
}

const view = (r: ConnectionRow): ConnectionView => ({
  name: r.name,
  type: r.type,
  url: r.urlRedacted,
  options: redactOptions(r.options),
  source: r.source,
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

const sealContext = (name: string): string => `connection:${name}`;
const saltContext = (name: string): string => `connection:${name}:views.hashSalt`;

/**
 * The hash salt of a connection (`views.hashSalt`) is a secret like its URL: stored sealed as
 * `views.hashSaltSealed` (a store written by an older version may still hold it in the clear,
 * until `sealStoredSalts`), shown as `***`, opened only for planning.
 */
type StoredViews = NonNullable<ConnectionOptions['views']> & { readonly hashSaltSealed?: string };

/** As stored: what JSON keeps (no undefined members). */
const plain = (o: ConnectionOptions): unknown => JSON.parse(JSON.stringify(o)) as unknown;

function redactOptions(options: ConnectionOptions): ConnectionOptions {
  const v: StoredViews | undefined = options.views;
  if (v === undefined || (v.hashSalt === undefined && v.hashSaltSealed === undefined)) return options;
  const { hashSaltSealed: _sealed, ...views } = v;
  return { ...options, views: { ...views, hashSalt: '***' } };
}

/** Check a connection's name, type, URL and options; returns the normalized parts. */
export function validateConnection(
  input: ConnectionInput,
  platforms: Readonly<Record<PlatformType, Platform>>,
): { type: PlatformType; platform: Platform; options: ConnectionOptions; redacted: string } {
  if (!CONNECTION_NAME_RE.test(input.name)) {
    throw invalidInput('name', `"${input.name}" is not a valid connection name`, 'use lowercase letters and digits, words joined by single "_", starting with a letter (at most 40)');
  }
  if (!(PLATFORM_TYPES as readonly string[]).includes(input.type)) {
    throw invalidInput('type', `unknown connection type "${input.type}"`, `use one of: ${PLATFORM_TYPES.join(', ')}`);
  }
  const type = input.type as PlatformType;
  const platform = platforms[type];
  const parsed = platform.parseUrl(input.url);
  const options: ConnectionOptions = { ...DEFAULT_OPTIONS, rolePrefix: defaultRolePrefix(input.name), ...stripUndefined(input.options ?? {}) };
  for (const [i, glob] of options.protect.entries()) {
    try {
      compileGlob(glob);
    } catch (err) {
      throw invalidInput(`protect[${i}]`, (err as Error).message, 'write paths as connection/database/schema/table; escape "/", "*" and "\\" in names with a backslash');
    }
    const first = glob.split('/')[0];
    if (first !== input.name && first !== '*' && first !== '**') {
      throw invalidInput(`protect[${i}]`, `"${glob}" does not start with the connection name "${input.name}"`, `write it as ${input.name}/…`);
    }
  }
  if (options.drift !== 'enforce' && options.drift !== 'report') throw invalidInput('drift', `"${String(options.drift)}" is not enforce or report`);
  if (options.mode !== 'enforce' && options.mode !== 'notify') throw invalidInput('mode', `"${String(options.mode)}" is not enforce or notify`);
  if (!/^[a-z_][a-z0-9_]*$/.test(options.rolePrefix)) throw invalidInput('rolePrefix', `"${options.rolePrefix}" is not a plain lowercase identifier`);
  checkPrincipalTemplate(input.name, options.principalTemplate);
  for (const [k, v] of Object.entries(options.schedule ?? {})) {
    if (k !== 'sync' && k !== 'drift') throw invalidInput(`schedule.${k}`, 'unknown field', 'use schedule: { sync: 1h, drift: 5m }');
    if (v !== undefined) parseDuration(`schedule.${k}`, String(v));
  }
  return { type, platform, options, redacted: parsed.redacted };
}

/** The placeholders `principalOf` (src/domain/identity.ts) fills in. */
const PRINCIPAL_PLACEHOLDERS = ['{user}', '{email}', '{email.local}'];

/**
 * A typo such as `{usr}` would otherwise be kept as literal text: every user would map to the
 * same login "{usr}". Refuse unknown placeholders and unbalanced braces, naming the connection.
 */
function checkPrincipalTemplate(connection: string, template: string): void {
  const hint = `use ${PRINCIPAL_PLACEHOLDERS.join(', ')} with any fixed text, e.g. "{email.local}" or "app_{user}"`;
  if (template.trim() === '') throw invalidInput('principalTemplate', `is empty (connection "${connection}")`, hint);
  const rest = template.replace(/\{[^{}]*\}/g, (p) => {
    if (!PRINCIPAL_PLACEHOLDERS.includes(p)) throw invalidInput('principalTemplate', `unknown placeholder ${p} in "${template}" (connection "${connection}")`, hint);
    return '';
  });
  if (/[{}]/.test(rest)) throw invalidInput('principalTemplate', `unbalanced "{" or "}" in "${template}" (connection "${connection}")`, hint);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Registered connections: validated, verified by connecting before they are stored, URL sealed
 * with the master key. The only place a URL is ever decrypted.
 */
export function createConnectionService(deps: {
  db: Db;
  box: SecretBox;
  platforms: Readonly<Record<PlatformType, Platform>>;
  audit: AuditService;
}) {
  const { db, box, platforms, audit } = deps;

  async function row(name: string, tx: Executor = db): Promise<ConnectionRow> {
    const r = await connectionsRepo.get(tx, name);
    if (!r) throw notFound('connection', name, 'list connections with: steward connection list');
    return r;
  }

  function specOf(r: ConnectionRow): ConnectionSpec {
    return { name: r.name, type: r.type, url: box.open(r.urlEncrypted, sealContext(r.name)), options: openOptions(r.name, r.options) };
  }

  /** Options as stored: the hash salt sealed. */
  function sealOptions(name: string, options: ConnectionOptions): ConnectionOptions {
    const salt = options.views?.hashSalt;
    if (salt === undefined) return options;
    const { hashSalt: _plain, ...views } = options.views!;
    const sealed: StoredViews = { ...views, hashSaltSealed: box.seal(salt, saltContext(name)) };
    return { ...options, views: sealed };
  }

  /** Options for planning: the hash salt opened (one stored in the clear by an older version is used as it is). */
  function openOptions(name: string, options: ConnectionOptions): ConnectionOptions {
    const v: StoredViews | undefined = options.views;
    if (v?.hashSaltSealed === undefined) return options;
    const { hashSaltSealed, ...views } = v;
    return { ...options, views: { ...views, hashSalt: box.open(hashSaltSealed, saltContext(name)) } };
  }

  /**
   * Refuse a role prefix that nests with a registered connection's (see `nestedPrefix`); without
   * `prefix`, the stored one of `name` (nothing to check when `name` is not registered).
   */
  async function assertOwnPrefix(tx: Executor, name: string, prefix?: string): Promise<void> {
    const registered = (await connectionsRepo.list(tx)).map((r) => ({ name: r.name, rolePrefix: { ...DEFAULT_OPTIONS, ...r.options }.rolePrefix }));
    prefix ??= registered.find((r) => r.name === name)?.rolePrefix;
    if (prefix === undefined) return;
    const other = nestedPrefix(name, prefix, registered);
    if (other === undefined) return;
    const { problem, hint } = nestedPrefixProblem(prefix, other);
    throw invalidInput('rolePrefix', problem, hint);
  }

  async function verify(platform: Platform, spec: ConnectionSpec): Promise<void> {
    const session = await platform.connect(spec);
    await session.close();
  }

  return {
    async list(): Promise<ConnectionView[]> {
      return (await connectionsRepo.list(db)).map(view);
    },

    async get(name: string): Promise<ConnectionView> {
      return view(await row(name));
    },

    /** Register a new connection after proving the URL works; a duplicate name is a conflict. */
    async add(input: ConnectionInput, actor: string, opts: { verify?: boolean; source?: string } = {}): Promise<ConnectionView> {
      const v = validateConnection(input, platforms);
      if (await connectionsRepo.get(db, input.name)) {
        throw new StewardError('conflict', `connection "${input.name}" already exists`, {
          hint: 'choose another name, or remove it first with: steward connection remove ' + input.name,
        });
      }
      await assertOwnPrefix(db, input.name, v.options.rolePrefix);
      const spec: ConnectionSpec = { name: input.name, type: v.type, url: input.url, options: v.options };
      if (opts.verify !== false) await verify(v.platform, spec);
      const write = {
        name: input.name,
        type: v.type,
        options: sealOptions(input.name, v.options),
        urlEncrypted: box.seal(input.url, sealContext(input.name)),
        urlRedacted: v.redacted,
        source: opts.source ?? 'api',
      };
      await db.transaction(async (tx) => {
        await connectionsRepo.insert(tx, write);
        const after = view((await connectionsRepo.get(tx, input.name))!);
        await audit.record(tx, { actor, action: 'connection.add', connection: input.name, outcome: 'ok', summary: `${v.type} ${v.redacted}`, before: null, after });
      });
      return view(await row(input.name));
    },

    /** Create or update (from a configuration file); verifies only when the URL changed. */
    async upsert(input: ConnectionInput, actor: string, tx: Executor, opts: { verify?: boolean } = {}): Promise<'created' | 'updated' | 'unchanged'> {
      const v = validateConnection(input, platforms);
      await assertOwnPrefix(tx, input.name, v.options.rolePrefix);
      const existing = await connectionsRepo.get(tx, input.name);
      const spec: ConnectionSpec = { name: input.name, type: v.type, url: input.url, options: v.options };
      const urlChanged = !existing || box.open(existing.urlEncrypted, sealContext(existing.name)) !== input.url;
      if (urlChanged && opts.verify !== false) await verify(v.platform, spec);
      // Deep equality: jsonb does not keep key order.
      const sameOptions = existing !== null && isDeepStrictEqual(plain(openOptions(existing.name, existing.options)), plain(v.options));
      const write = {
        name: input.name,
        type: v.type,
        // Unchanged options keep their sealed salt as stored.
        options: sameOptions ? existing.options : sealOptions(input.name, v.options),
        urlEncrypted: urlChanged || !existing ? box.seal(input.url, sealContext(input.name)) : existing.urlEncrypted,
        urlRedacted: v.redacted,
        source: 'file',
      };
      if (!existing) {
        await connectionsRepo.insert(tx, write);
        const after = view((await connectionsRepo.get(tx, input.name))!);
        await audit.record(tx, { actor, action: 'connection.add', connection: input.name, outcome: 'ok', summary: `${v.type} ${v.redacted}`, before: null, after });
        return 'created';
      }
      // A file that declares a connection made over the API takes it over (source `file`).
      if (!urlChanged && existing.type === v.type && sameOptions && existing.source === 'file') return 'unchanged';
      await connectionsRepo.update(tx, write);
      const after = view((await connectionsRepo.get(tx, input.name))!);
      await audit.record(tx, {
        actor, action: 'connection.update', connection: input.name, outcome: 'ok', summary: `${v.type} ${v.redacted}${urlChanged ? ' (new credentials)' : ''}`,
        before: view(existing), after,
      });
      return 'updated';
    },

    /**
     * Before anything changes roles on `name` (an apply, a teardown): its role prefix (the given
     * one, else the stored one) must not nest with another registered connection's. Checked when
     * a prefix is set too; this catches stores made before that check.
     */
    async assertOwnPrefix(name: string, prefix?: string): Promise<void> {
      await assertOwnPrefix(db, name, prefix);
    },

    async remove(name: string, actor: string): Promise<void> {
      const before = view(await row(name));
      await db.transaction(async (tx) => {
        await connectionsRepo.remove(tx, name);
        await audit.record(tx, { actor, action: 'connection.remove', connection: name, outcome: 'ok', summary: '', before, after: null });
      });
    },

    /**
     * Seal the hash salts a store written by an older version holds in the clear (run when the
     * store is opened with its master key); returns how many were sealed.
     */
    async sealStoredSalts(): Promise<number> {
      let sealed = 0;
      for (const r of await connectionsRepo.list(db)) {
        if (r.options.views?.hashSalt === undefined) continue;
        await connectionsRepo.setOptions(db, r.name, sealOptions(r.name, r.options));
        sealed++;
      }
      return sealed;
    },

    /** Connect and report the system account's privileges. */
    async check(name: string, opts: CheckOptions | ((spec: ConnectionSpec, platform: Platform) => Promise<CheckOptions>) = {}): Promise<CheckReport> {
      const open = await this.open(name);
      try {
        return await open.session.check(typeof opts === 'function' ? await opts(open.spec, open.platform) : opts);
      } finally {
        await open.session.close();
      }
    },

    /** Open a platform session on a stored connection. The caller closes it. */
    async open(name: string): Promise<OpenConnection> {
      const r = await row(name);
      const spec = specOf(r);
      const platform = platforms[r.type];
      return { spec, platform, session: await platform.connect(spec) };
    },

    /** The decrypted spec without connecting (planning needs options and platform). */
    async spec(name: string): Promise<{ spec: ConnectionSpec; platform: Platform }> {
      const r = await row(name);
      return { spec: specOf(r), platform: platforms[r.type] };
    },
  };
}

export type ConnectionService = ReturnType<typeof createConnectionService>;
