import type { Privilege } from '../domain/access.js';
import { encodePath } from '../domain/paths.js';
import type { MaskExpr, SecureViewSpec, SecureViewState } from '../domain/secure-view.js';
import type { User } from '../domain/identity.js';
import { segmentsKey } from './catalog-index.js';
import { compileDataPolicies } from './compile-data-policies.js';
import { explainCondition } from './explain-condition.js';
import type { PolicyInput } from './input.js';
import { computeSecureViews } from './secure-views.js';

/** One mask on a column of the table asked about, and what it does for one user. */
export interface MaskVerdict {
  readonly column: string;
  readonly policy: string;
  /** `hash`, `null`, `constant`, `regex`, `round`, `partial`. */
  readonly mask: string;
  /** Why this policy is the one on the column: `column tag pii`, `column path`, … */
  readonly via: string;
  /** `masked`; `raw` (exempt); `masked when` (only rows matching its `when`). */
  readonly outcome: 'masked' | 'raw' | 'masked when';
  readonly because: readonly string[];
}

export interface FilterVerdict {
  readonly policy: string;
  readonly outcome: 'filtered' | 'exempt';
  readonly because: readonly string[];
}

/** What the data policies do for one user on one table. */
export interface DataPolicyExplanation {
  /** Full path of the table's secure view; null when no data policy applies to it. */
  readonly view: string | null;
  readonly masks: readonly MaskVerdict[];
  readonly filters: readonly FilterVerdict[];
  /** raw: no mask or filter applies to the user (exempt from all, or none on the table). */
  readonly sees: 'raw' | 'masked' | 'filtered' | 'masked, filtered';
  readonly lines: readonly string[];
}

const MASK_NAMES: Record<MaskExpr['kind'], string> = { null: 'null', constant: 'constant', hash: 'hash', regex: 'regex', roundStep: 'round', roundUnit: 'round', partial: 'partial' };

/** The data policies of a connection, computed once and asked about per user and table. */
export interface DataPolicyLens {
  /** null when no data policy applies to the relation at `segments` (a column path: its table). */
  explain(user: User, segments: readonly string[]): DataPolicyExplanation | null;
}

export function dataPolicyLens(input: PolicyInput): DataPolicyLens {
  const state: SecureViewState = computeSecureViews(input);
  const byBase = new Map<string, SecureViewSpec>(state.views.map((v) => [segmentsKey(v.base), v]));
  const { masks, filters } = compileDataPolicies(input.policies);
  const except = new Map([...masks, ...filters].map((p) => [p.name, p.policy.except]));
  return {
    explain(user, segments) {
      let view = byBase.get(segmentsKey(segments));
      let column: string | null = null;
      if (view === undefined && segments.length > 1) {
        view = byBase.get(segmentsKey(segments.slice(0, -1)));
        column = segments[segments.length - 1]!;
      }
      if (view === undefined) return null;
      const exempt = (policy: string): { exempt: boolean; because: string[] } => {
        const cond = except.get(policy);
        if (cond === undefined) return { exempt: false, because: ['no exception'] };
        const t = explainCondition(cond, user);
        return { exempt: t.matched, because: [...t.because] };
      };
      const maskVerdicts: MaskVerdict[] = view.columns
        .filter((c) => c.mask !== null && (column === null || c.name === column))
        .map((c) => {
          const m = c.mask!;
          const e = exempt(m.policy);
          const conditional = masks.find((x) => x.name === m.policy)?.when !== null;
          return {
            column: c.name,
            policy: m.policy,
            mask: MASK_NAMES[m.expr.kind],
            via: m.via,
            outcome: e.exempt ? 'raw' : conditional ? 'masked when' : 'masked',
            because: e.because,
          };
        });
      const filterVerdicts: FilterVerdict[] = view.filters.map((f) => {
        const e = exempt(f);
        return { policy: f, outcome: e.exempt ? 'exempt' : 'filtered', because: e.because };
      });
      const masked = maskVerdicts.some((m) => m.outcome !== 'raw');
      const filtered = filterVerdicts.some((f) => f.outcome === 'filtered');
      const sees = masked && filtered ? 'masked, filtered' : masked ? 'masked' : filtered ? 'filtered' : 'raw';
      const viewPath = encodePath([input.connection, ...view.view]);
      const lines = [`  reads through the secure view ${viewPath}: ${sees}`];
      for (const m of maskVerdicts) {
        lines.push(`    column ${m.column}: ${m.outcome === 'raw' ? 'raw' : `${m.mask}${m.outcome === 'masked when' ? ' (on rows matching its when)' : ''}`} by ${m.policy} (${m.via}); ${m.outcome === 'raw' ? 'exempt: ' : ''}${m.because.join('; ')}`);
      }
      for (const f of filterVerdicts) lines.push(`    rows: ${f.outcome === 'exempt' ? 'all (exempt from' : 'filtered by'} ${f.policy}${f.outcome === 'exempt' ? ')' : ''}; ${f.because.join('; ')}`);
      return { view: viewPath, masks: maskVerdicts, filters: filterVerdicts, sees, lines };
    },
  };
}

/**
 * The privileges a user holds on a table with a secure view: the table keeps what is not
 * SELECT (writes), SELECT moves to the view.
 */
export function splitPrivileges(privileges: readonly Privilege[]): { table: Privilege[]; view: Privilege[] } {
  return { table: privileges.filter((p) => p !== 'SELECT'), view: privileges.includes('SELECT') ? ['SELECT'] : [] };
}

/** `explainAccess` with what the data policies do: SELECT through the view, masks and filters. */
export function explainWithDataPolicies<E extends { readonly user: string; readonly path: string; readonly privileges: readonly Privilege[]; readonly lines: readonly string[] }>(
  e: E,
  input: PolicyInput,
  segments: readonly string[],
): E & { readonly view: { readonly path: string; readonly privileges: readonly Privilege[] } | null; readonly dataPolicies: DataPolicyExplanation | null } {
  const user = input.users.find((u) => u.name === e.user);
  const dp = user === undefined ? null : dataPolicyLens(input).explain(user, segments);
  if (dp === null) return { ...e, view: null, dataPolicies: null };
  const { table, view } = splitPrivileges(e.privileges);
  const head = `${e.user} -> ${e.path}: ${table.length > 0 ? table.join(', ') : 'no access'} on the table${view.length > 0 ? `; SELECT through ${dp.view}` : ''}`;
  const lines = view.length > 0 ? [head, ...e.lines.slice(1), ...dp.lines] : [head, ...e.lines.slice(1)];
  return { ...e, privileges: table, view: { path: dp.view!, privileges: view }, dataPolicies: dp, lines };
}

/** `whoCan` with, per user, what they see through the view: raw, masked, filtered. */
export function whoCanWithDataPolicies<
  W extends { readonly users: readonly { readonly user: string; readonly privileges: readonly Privilege[] }[]; readonly lines: readonly string[] },
>(r: W, input: PolicyInput, segments: readonly string[]): W & { readonly view: string | null } {
  const lens = dataPolicyLens(input);
  const found: { view: string | null } = { view: null };
  const extra = new Map<string, string>();
  const users = r.users.map((entry) => {
    const user = input.users.find((u) => u.name === entry.user);
    const dp = user === undefined ? null : lens.explain(user, segments);
    if (dp === null) return entry;
    found.view = dp.view;
    const { table, view } = splitPrivileges(entry.privileges);
    const masked = dp.masks.filter((m) => m.outcome !== 'raw').map((m) => `${m.column} (${m.mask}, ${m.policy})`);
    const filtered = dp.filters.filter((f) => f.outcome === 'filtered').map((f) => f.policy);
    const sees = view.length === 0 ? 'no read access' : dp.sees;
    extra.set(entry.user, `    sees ${sees}${masked.length > 0 ? `; masked: ${masked.join(', ')}` : ''}${filtered.length > 0 ? `; rows filtered by ${filtered.join(', ')}` : ''}`);
    return { ...entry, privileges: table, viewPrivileges: view, sees, masked: dp.masks, filters: dp.filters };
  });
  const viewPath = found.view;
  if (viewPath === null) return { ...r, view: null };
  const lines: string[] = [];
  for (const line of r.lines) {
    lines.push(line);
    const m = /^ {2}(\S+) \(login /.exec(line);
    const add = m === null ? undefined : extra.get(m[1]!);
    if (add !== undefined) lines.push(add);
  }
  lines.splice(1, 0, `  reads go through the secure view ${viewPath}`);
  return { ...r, users, view: viewPath, lines };
}
