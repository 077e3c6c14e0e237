/**
 * The plain sentences `connection check` adds to its SQL (`CheckReport.notes`), for whoever
 * signs the grants off.
 */
import { cmp } from '../../domain/canonical-state.js';
import type { RoleReach } from './acting-as.js';
import type { DatabaseAdvice } from './check-advice.js';
import { plural, sample } from './check-text.js';
import type { AccountRow } from './check.sql.js';
import { quoteIdent } from './quote.js';

/**
 * Plain sentences an auditor reads with the SQL: what the grants imply, what happens to
 * tables created later and to grants Steward cannot revoke, per owner out of reach.
 */
export function notesFor(
  account: AccountRow,
  reach: ReadonlyMap<string, RoleReach>,
  advice: readonly DatabaseAdvice[],
  governsAnything: boolean,
  rolePrefix: string,
): string[] {
  const acct = quoteIdent(account.user);
  if (account.superuser) {
    return [
      `${acct} is a superuser: it can do anything in the cluster, far more than Steward needs. Register a dedicated account without SUPERUSER; this check then lists the few grants it needs.`,
    ];
  }
  const notes: string[] = [];
  if (account.version_num < 160000) {
    notes.push(
      `CREATEROLE on PostgreSQL ${account.version.split(' ')[0]} lets the account create roles and grant membership in any role that is not a superuser — a table owner, pg_read_all_data, pg_write_all_data — to anyone, itself included. Steward only ever grants its own roles (${rolePrefix}…) to governed users, but the account is trusted not to do more; from PostgreSQL 16, CREATEROLE covers only the roles the account created.`,
    );
  }
  if (governsAnything) {
    notes.push(
      'WITH GRANT OPTION: PostgreSQL has no right to hand out a privilege without holding it, so the account can itself read and write the protected tables (and use the sequences) it hands out. It owns none of them: it cannot DROP or ALTER them.',
    );
  }
  if (advice.some((a) => a.futureDefaults)) {
    notes.push(
      'Default privileges for the account (ALTER DEFAULT PRIVILEGES … TO the account WITH GRANT OPTION) give it the same on tables and sequences the owners create later in schemas protected as a whole, so Steward can grant them at the next sync without an administrator. PostgreSQL cannot tell views from tables there: on a view created later in such a schema the account holds the write privileges as well.',
    );
  }
  const owners = new Map<string, Set<string>>();
  for (const a of advice) for (const [owner, where] of a.outOfReach) for (const w of where) (owners.get(owner) ?? owners.set(owner, new Set()).get(owner)!).add(w);
  for (const [owner, where] of [...owners].sort(([a], [b]) => cmp(a, b))) {
    const o = quoteIdent(owner);
    const places = sample([...where].sort());
    const consequences = `tables ${o} creates later in a schema protected as a whole get their grants at the next sync, not when created; and grants made later on its protected tables — by ${o}, or by any superuser, which PostgreSQL records as made by the owner — can only be revoked as ${o}: Steward reports them as blocked, for an administrator to revoke.`;
    notes.push(
      reach.get(owner)?.superuser === true
        ? `${o} is a superuser and owns protected tables (${places}). Steward's account never acts as a superuser, so ${consequences}`
        : `${o} owns protected tables (${places}) and Steward's account is not a member of it, so ${consequences} Optional: \`GRANT ${o} TO ${acct};\` lets Steward set default privileges and revoke such grants itself — but a member of ${o} can also DROP, ALTER and use everything ${o} owns.`,
    );
  }
  const early = new Map<string, number>();
  for (const a of advice) for (const [who, n] of a.stewardGrantsOutOfReach) early.set(who, (early.get(who) ?? 0) + n);
  for (const [who, n] of [...early].sort(([a], [b]) => cmp(a, b))) {
    notes.push(
      `${plural(n, 'grant')} to Steward's own roles ${n === 1 ? 'is' : 'are'} recorded as made by ${quoteIdent(who)} (by an earlier system account with more privileges): ${n === 1 ? 'it stays' : 'they stay'} valid, but if a policy stops granting ${n === 1 ? 'it' : 'them'}, Steward will report the revocation as blocked.`,
    );
  }
  return notes;
}

