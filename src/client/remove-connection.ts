import { StewardError } from '../domain/errors.js';
import type { Services } from '../services/container.js';
import { encodePath } from '../domain/paths.js';
import type { SecureViewObject } from '../domain/secure-view.js';
import type { RemoveConnectionView, SecureViewObjectView } from './steward-client.js';

/**
 * Forget a connection, never silently leaving Steward behind in its database: first read what
 * Steward holds there (its roles and what they hold), and with `revoke` take it all away under
 * the same lock, audit and verification as an apply — grants others hold are not touched. A
 * teardown that did not converge keeps the connection registered, so that it can be retried.
 */
export async function removeConnection(s: Services, actor: string, name: string, opts: { revoke: boolean; keep: boolean }): Promise<RemoveConnectionView> {
  const { revoke } = opts;
  const { type } = await s.connections.get(name);
  const schemaPlatform = type !== 'mysql' && type !== 'mariadb';
  let footprint: RemoveConnectionView['footprint'] = null;
  let footprintError: string | undefined;
  let teardown: RemoveConnectionView['teardown'];
  try {
    const r = await s.reconcile.teardown(name, () => s.config.loadModel(), { actor, revoke });
    const ops = r.plan.operations;
    const count = (kind: string): number => ops.filter((o) => o.kind === kind).length;
    footprint = {
      roles: count('dropRole'),
      grants: ops.filter((o) => o.kind === 'revoke').reduce((n, o) => n + (o.kind === 'revoke' ? o.securables.length * o.grantees.length : 0), 0),
      memberships: ops.filter((o) => o.kind === 'revokeMembership').reduce((n, o) => n + (o.kind === 'revokeMembership' ? o.roles.length * o.members.length : 0), 0),
      defaultGrants: count('revokeDefault'),
      defaultRoles: count('setDefaultRole'),
      secureViews: r.footprint.objects.filter((o) => o.kind === 'view').length,
      viewObjects: r.footprint.objects.map((o) => viewObject(name, o, schemaPlatform)),
    };
    if (r.outcome !== null) {
      teardown = {
        status: r.outcome.status,
        statements: r.outcome.results.filter((x) => x.ok).length,
        unconverged: r.outcome.unconverged.length,
        ...(r.outcome.error ? { error: r.outcome.error } : {}),
        auditId: r.outcome.auditId,
      };
      if (r.outcome.status !== 'applied') {
        throw new StewardError('platform_error', `connection "${name}": the teardown did not complete (${r.outcome.error ?? `${r.outcome.unconverged.length} operations not reflected`}); the connection stays registered`, {
          hint: `see steward audit ${r.outcome.auditId ?? ''} and retry steward connection remove ${name} --revoke`,
          details: { teardown },
        });
      }
    }
  } catch (err) {
    if (revoke) throw err;
    footprintError = err instanceof Error ? err.message : String(err);
  }
  const f = footprint;
  const held = f === null ? 0 : f.roles + f.grants + f.memberships + f.defaultGrants + f.defaultRoles + f.viewObjects.length;
  // A connection that was never applied cannot have left anything, even when it cannot be reached.
  const status = (await s.status()).find((x) => x.connection === name);
  const neverApplied = status !== undefined && status.lastApplyAt === null && status.lastApplyOutcome === null;
  if (!revoke && !opts.keep && (held > 0 || (f === null && !neverApplied))) {
    // Never leave Steward's roles behind silently: the caller chooses.
    const views = f === null || f.viewObjects.length === 0 ? '' : `, and made ${f.secureViews} secure views and ${f.viewObjects.length - f.secureViews} schemas or databases for data policies`;
    const what = f === null ? `could not check what Steward holds there (${footprintError ?? 'unknown'})` : `Steward still holds ${f.roles} roles with ${f.grants} grants and ${f.memberships} memberships there${views}`;
    throw new StewardError('conflict', `connection "${name}": ${what}`, {
      hint: `take them away first with: steward connection remove ${name} --revoke (also drops what Steward made for data policies), or leave them in place with --keep`,
      details: { footprint: f },
    });
  }
  await s.connections.remove(name, actor);
  return { connection: name, footprint, ...(footprintError !== undefined ? { footprintError } : {}), ...(teardown ? { teardown } : {}) };
}

function viewObject(connection: string, o: SecureViewObject, schemaPlatform: boolean): SecureViewObjectView {
  const what: SecureViewObjectView['what'] =
    o.kind === 'view' ? 'secure view' : o.kind === 'viewContainer' ? (schemaPlatform ? 'view schema' : 'view database') : schemaPlatform ? 'system schema' : 'system database';
  return { what, path: encodePath([connection, ...o.segments]), removable: o.removable, ...(o.reason !== undefined ? { reason: o.reason } : {}) };
}
