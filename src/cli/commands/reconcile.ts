import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { StatusView } from '../../services/health-service.js';
import type { ApplyView, PlanView } from '../../client/steward-client.js';
import type { ConfigFile } from '../../config/schema.js';
import { issueText, type ConfigWarning } from '../../config/issues.js';
import { granteeLabel, type Grantee, type Securable } from '../../domain/access.js';
import type { Operation } from '../../domain/plan.js';
import type { StatementResult } from '../../platforms/platform.js';
import type { SavedPlan } from '../saved-plan.js';
import { describeSecureViewChange } from '../../domain/secure-view.js';
import { StewardError, invalidInput } from '../../domain/errors.js';
import { parseDuration } from '../../domain/duration.js';
import { wholeNumber } from '../args.js';
import { table, type Output } from '../output.js';
import { run } from '../run.js';

/** Warnings once each (plans repeat those about no one connection), in file order. */
function uniqueWarnings(lists: readonly (readonly ConfigWarning[] | undefined)[]): ConfigWarning[] {
  const seen = new Set<string>();
  const out: ConfigWarning[] = [];
  for (const w of lists.flatMap((l) => l ?? [])) {
    const key = issueText(w);
    if (!seen.has(key)) {
      seen.add(key);
      out.push(w);
    }
  }
  return out;
}

/** Warnings go to stderr, one line each (with its hint), so stdout stays the plan or --json. */
function printWarnings(out: Output, warnings: readonly ConfigWarning[]): void {
  if (out.json) return;
  for (const w of warnings) out.info(`warning: ${issueText(w)}${w.hint ? ` (${w.hint})` : ''}`);
}

/** Human rendering of a plan: each statement, with drift marked, like a Terraform plan. */
export function renderPlan(p: PlanView): string {
  const lines: string[] = [];
  const head = `connection ${p.connection} (${p.type}${p.mode === 'notify' ? ', notify-only: nothing will run' : ''})`;
  if (p.operations.length === 0) {
    lines.push(`${head}: no changes`);
  } else {
    lines.push(`${head}: ${p.operations.length} operations, ${p.statements.length} statements${p.driftCount > 0 ? `, ${p.driftCount} reverting drift` : ''}`);
    let narrowed = -1;
    for (const s of p.statements) {
      const op = p.operations[s.op];
      // A narrowed database-level grant: say why its grantee is granted something first.
      if (op?.kind === 'revoke' && op.narrowTo !== undefined && narrowed !== s.op) {
        narrowed = s.op;
        lines.push(`  # narrowing a database-level grant: kept on ${op.narrowTo.length} object(s) outside governance, then revoked`);
      }
      const mark = op?.drift ? '! ' : op && (op.kind.startsWith('revoke') || op.kind === 'dropRole') ? '- ' : '+ ';
      const notes = [s.database ? `in ${s.database}` : '', s.runAs ? `as ${s.runAs}` : '', op?.drift ? 'drift' : ''].filter(Boolean);
      lines.push(`  ${mark}${s.sql}${notes.length > 0 ? `    -- ${notes.join(', ')}` : ''}`);
    }
    if (p.revocationRatio > 0) lines.push(`  revokes ${Math.round(p.revocationRatio * 100)}% of the access Steward manages here`);
  }
  if (p.reportedDrift.length > 0) lines.push(`  drift reported, not reverted (drift: report): ${p.reportedDrift.length} operations`);
  if (p.blocked.length > 0) {
    lines.push(`  cannot be done by Steward (${p.blocked.length}); an administrator must act:`);
    for (const b of p.blocked) lines.push(`    ✗ ${describeOperation(b.operation)}: ${b.reason}`);
  }
  if (p.unsynced > 0) lines.push(`  ${p.unsynced} grants on objects not synced yet left alone (a sync will decide them)`);
  return lines.join('\n');
}

/** One line for an operation, for lists of what was blocked or did not converge. */
function describeOperation(op: Operation): string {
  const who = (gs: readonly Grantee[]): string => gs.map(granteeLabel).join(', ');
  const on = (ss: readonly Securable[]): string => ss.map((x) => `${x.kind} ${x.segments.join('.')}`).join(', ');
  switch (op.kind) {
    case 'grant':
      return `grant ${op.privileges.join(', ')} on ${on(op.securables)} to ${who(op.grantees)}`;
    case 'revoke':
      return `revoke ${op.privileges.join(', ')} on ${on(op.securables)} from ${who(op.grantees)}${op.grantor ? ` (granted by ${op.grantor})` : ''}`;
    case 'grantMembership':
      return `grant ${op.roles.join(', ')} to ${who(op.members)}`;
    case 'revokeMembership':
      return `revoke ${op.roles.join(', ')} from ${who(op.members)}`;
    case 'createRole':
      return `create ${granteeLabel(op.role)}`;
    case 'dropRole':
      return `drop ${op.role}`;
    case 'grantDefault':
    case 'revokeDefault':
      return `${op.kind === 'grantDefault' ? 'grant' : 'revoke'} default ${op.privileges.join(', ')} on ${op.objects} in ${op.database}.${op.schema} (owner ${op.owner}) ${op.kind === 'grantDefault' ? 'to' : 'from'} ${who(op.grantees)}`;
    case 'setDefaultRole':
      return `set default role of ${granteeLabel(op.user)} to ${op.role ?? 'none'}`;
    case 'secureView':
      return describeSecureViewChange(op.change);
  }
}

/**
 * Progress of an apply on stderr: with `--progress` one line per statement (`statement N ok|failed
 * connection`), else on a terminal a counter that rewrites itself; nothing when output is JSON.
 */
function statementProgress(lines: boolean, json: boolean): { on?: (connection: string, r: StatementResult) => void; end(): void } {
  const counts = new Map<string, number>();
  const count = (connection: string): number => {
    const n = (counts.get(connection) ?? 0) + 1;
    counts.set(connection, n);
    return n;
  };
  if (lines) return { on: (c, r) => void process.stderr.write(`statement ${count(c)} ${r.ok ? 'ok' : 'failed'} ${c}\n`), end: () => undefined };
  if (json || !process.stderr.isTTY) return { end: () => undefined };
  return {
    on: (c, r) => void process.stderr.write(`\r${c}: ${count(c)} statements run${r.ok ? '' : ' (one failed)'}   `),
    end: () => {
      if (counts.size > 0) process.stderr.write('\n');
    },
  };
}

/**
 * Phases of an apply on stderr (`--progress`, or any terminal unless output is JSON), each with
 * the seconds since the command started: reading a 6 MB file, planning and storing take
 * seconds each, and a silent wait looks like a hang.
 */
function phaseProgress(lines: boolean, json: boolean): ((message: string) => void) | undefined {
  if (!lines && (json || !process.stderr.isTTY)) return undefined;
  const t0 = performance.now();
  return (message) => void process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${message}\n`);
}

/** Human rendering of apply outcomes, and the exit code: 1 failed or unconverged, 3 blocked work remains, else 0. */
function renderApplied(results: readonly ApplyView[]): { text: string; code: number } {
  let code = 0;
  const text = results
    .map((r) => {
      const ok = r.results.filter((x) => x.ok).length;
      const head =
        r.status === 'no-op' ? `${r.connection}: up to date` :
        r.status === 'notified' ? `${r.connection}: notify-only, ${r.plan.statements.length} statements recorded, none run` :
        r.status === 'declined' ? `${r.connection}: declined, nothing run` :
        `${r.connection}: ${r.status}, ${ok}/${r.plan.statements.length} statements` + (r.error ? ` — ${r.error}` : '');
      if (r.status === 'failed' || r.status === 'unconverged') code = 1;
      else if (r.plan.blocked.length > 0 && code === 0) code = 3;
      const lines = [head];
      if (r.sync) lines.push(`  sync: ${r.sync.added} added, ${r.sync.changed} changed, ${r.sync.removed} removed`);
      if (r.readBackFailed === true) {
        lines.push(`  not verified: the database could not be read back after the run, so whether these ${r.unconverged.length} operations took effect is unknown; steward plan shows what is left:`);
        for (const op of r.unconverged.slice(0, 20)) lines.push(`    ? ${describeOperation(op)}`);
      } else if (r.unconverged.length > 0) {
        lines.push(`  not reflected by the database when read back (${r.unconverged.length}):`);
        for (const op of r.unconverged.slice(0, 20)) lines.push(`    ✗ ${describeOperation(op)}`);
      }
      if (r.plan.blocked.length > 0) {
        lines.push(`  cannot be done by Steward (${r.plan.blocked.length}); an administrator must act:`);
        for (const b of r.plan.blocked.slice(0, 20)) lines.push(`    ✗ ${describeOperation(b.operation)}: ${b.reason}`);
      }
      if (r.plan.reportedDrift.length > 0) lines.push(`  drift reported, not reverted: ${r.plan.reportedDrift.length} operations`);
      if (r.auditId !== null) lines.push(`  audit event ${r.auditId}`);
      return lines.join('\n');
    })
    .join('\n');
  return { text, code };
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) {
    throw new StewardError('invalid_input', '--yes: required when not running interactively', { hint: 'review with steward plan, then run steward apply --yes' });
  }
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
  } finally {
    rl.close();
  }
}

export function registerReconcile(program: Command): void {
  program
    .command('plan')
    .requiredOption('-f, --file <file>', 'steward.yaml')
    .option('--connection <name>', 'plan only this connection')
    .option('--exit-code', 'exit 0 when there are no changes, 2 when there are, 1 on error')
    .option('--out <plan.json>', 'save the plan, to run exactly it later with: steward apply plan.json')
    .option('--allow-empty', 'accept an empty or comment-only file (it removes everything a file declared)')
    .description('what would change: operations and exact SQL; changes nothing')
    .action(async (o: { file: string; connection?: string; exitCode?: boolean; out?: string; allowEmpty?: boolean }, cmd: Command) => {
      let cfg: ConfigFile | null = null;
      // The file is read and validated before the store is opened.
      const check = async (): Promise<void> => {
        cfg = (await import('../../config/load-config.js')).loadConfigFile(o.file, process.env, { allowEmpty: o.allowEmpty === true });
      };
      await run(cmd, async (client, out) => {
        const plans = await client.plan(cfg!, o.connection);
        const warnings = uniqueWarnings(plans.map((p) => p.warnings));
        printWarnings(out, warnings);
        if (o.out !== undefined) (await import('../saved-plan.js')).writeSavedPlan(o.out, o.file, o.connection ?? null, cfg!, plans);
        out.result({ connections: plans, warnings, ...(o.out !== undefined ? { savedTo: o.out } : {}) }, () =>
          plans.map(renderPlan).join('\n\n') + (o.out !== undefined ? `\n\nplan saved to ${o.out}; run exactly it with: steward apply ${o.out}` : ''),
        );
        return o.exitCode === true && plans.some((p) => p.operations.length > 0) ? 2 : 0;
      }, { check });
    });

  program
    .command('apply')
    .argument('[plan]', 'a plan saved by steward plan --out: run exactly it, or refuse if anything changed since')
    .option('-f, --file <file>', 'steward.yaml (with a saved plan: where to read the configuration, default the path it was planned from)')
    .option('--connection <name>', 'enforce only this connection (the whole file is still stored)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'run even a plan that revokes more than half of the access Steward manages on a connection')
    .option('--no-sync', 'plan against the stored catalog instead of the live one (only identities or policies changed)')
    .option('--progress', 'print each phase and each statement as it runs, one line each on stderr (local store)')
    .option('--allow-empty', 'accept an empty or comment-only file (it removes everything a file declared)')
    .description('store the configuration and enforce it; what runs is the plan shown (or saved), never another')
    .action(async (planFile: string | undefined, o: { file?: string; connection?: string; yes?: boolean; force?: boolean; sync?: boolean; progress?: boolean; allowEmpty?: boolean }, cmd: Command) => {
      let cfg: ConfigFile | null = null;
      let saved: SavedPlan | null = null;
      const phase = phaseProgress(o.progress === true, cmd.optsWithGlobals<{ json?: boolean }>().json === true);
      // The plan file and the configuration are read and checked before the store is opened.
      const check = async (): Promise<void> => {
        const { loadConfigFile } = await import('../../config/load-config.js');
        const load = (file: string): ConfigFile => {
          phase?.(`reading ${file}`);
          const c = loadConfigFile(file, process.env, { allowEmpty: o.allowEmpty === true });
          phase?.(`read ${file}: ${Object.keys(c.users ?? {}).length} users, ${(c.groups ?? []).length} groups, ${(c.policies ?? []).length} policies; opening the store`);
          return c;
        };
        if (planFile !== undefined) {
          const { checkSavedPlan, readSavedPlan } = await import('../saved-plan.js');
          saved = readSavedPlan(planFile);
          const file = o.file ?? saved.file;
          cfg = load(file);
          checkSavedPlan(saved, cfg, file);
          if (o.connection !== undefined && o.connection !== (saved.connection ?? o.connection)) {
            throw new StewardError('invalid_input', `--connection ${o.connection}: the saved plan is for ${saved.connection ?? 'every connection'}`, { hint: 'apply the plan as it was made' });
          }
        } else {
          if (o.file === undefined) throw new StewardError('invalid_input', 'apply: give a saved plan or -f steward.yaml', { hint: 'steward apply -f steward.yaml, or steward apply plan.json' });
          cfg = load(o.file);
        }
      };
      await run(cmd, async (client, out) => {
        const config = cfg!;
        const progress = statementProgress(o.progress === true, out.json);
        const common = {
          ...(o.force ? { force: true } : {}),
          ...(o.sync === false ? { sync: false } : {}),
          ...(progress.on ? { onStatement: progress.on } : {}),
          ...(phase ? { onProgress: phase } : {}),
        };
        let result;
        let shown: ConfigWarning[] = [];
        const plan: SavedPlan | null = saved;
        if (plan !== null) {
          const expect = Object.fromEntries(plan.connections.map((c) => [c.connection, { digest: c.digest, statements: [...c.statements] }]));
          result = await client.applyConfig(config, { ...common, ...(plan.connection ? { connection: plan.connection } : {}), expect });
        } else {
          let expect: Record<string, { digest: string; statements: string[] }> | undefined;
          if (o.yes !== true) {
            // What is confirmed is what runs: a plan whose digest differs is refused.
            const plans = await client.plan(config, o.connection);
            shown = uniqueWarnings(plans.map((p) => p.warnings));
            printWarnings(out, shown);
            out.info(plans.map(renderPlan).join('\n\n'));
            if (!(await confirm('store this configuration and enforce this plan?'))) {
              out.result({ applied: false }, () => 'nothing done');
              return 1;
            }
            expect = Object.fromEntries(plans.map((p) => [p.connection, { digest: p.digest, statements: p.statements.map((st) => st.sql) }]));
          }
          result = await client.applyConfig(config, { ...common, ...(o.connection ? { connection: o.connection } : {}), ...(expect ? { expect } : {}) });
        }
        progress.end();
        const warnings = uniqueWarnings([result.stored.warnings]);
        const seen = new Set(shown.map(issueText));
        printWarnings(out, warnings.filter((w) => !seen.has(issueText(w))));
        const r = renderApplied(result.connections);
        out.result({ ...result, warnings }, () => r.text);
        return r.code;
      }, { check });
    });

  program
    .command('status')
    .description('health of every connection: last sync, last apply, drift, errors')
    .action(async (_o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const st = await client.status();
        const when = (d: Date | string | null): string => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : 'never');
        const apply = (s: (typeof st)[number]): string =>
          s.lastApplyOutcome === 'interrupted' || s.lastApplyOutcome === 'running' || s.lastApplyOutcome === 'started'
            ? `${s.lastApplyOutcome} (audit ${s.lastApplyAuditId ?? '?'})`
            : s.lastApplyAt === null
              ? 'never'
              : `${when(s.lastApplyAt)} ${s.lastApplyOutcome ?? ''}`.trim();
        const drift = (s: (typeof st)[number]): string => (s.reportedDrift > 0 ? `${s.driftCount} (${s.reportedDrift} reported)` : String(s.driftCount));
        out.result(st, () =>
          table(
            ['CONNECTION', 'HEALTH', 'LAST SYNC', 'OBJECTS', 'LAST APPLY', 'DRIFT', 'UNCONVERGED', 'BLOCKED', 'PRIVILEGES', 'LAST ERROR'],
            st.map((s) => {
              const h = (s as { health?: StatusView['health'] }).health;
              const err = h?.lastError ? `${when(h.lastErrorAt)} ${h.lastError}` : (s.lastSyncError ?? s.lastApplyError ?? '');
              const privileges = h?.privilegesOk === true ? 'ok' : h?.privilegesOk === false ? 'missing' : '';
              return [s.connection, h ? (h.status === 'healthy' ? 'healthy' : `${h.status}: ${h.reason}`) : '', when(s.lastSyncAt), s.lastSync?.objects ?? '', apply(s), drift(s), s.unconverged, s.blocked, privileges, err];
            }),
          ),
        );
      });
    });

  program
    .command('explain')
    .argument('<user>', 'Steward user name')
    .argument('<path>', 'object path')
    .description('why USER can or cannot reach PATH (which policy, group, grant)')
    .action(async (user: string, path: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const r = await client.explain(user, path);
        out.result(r, () => renderExplanation(r));
      });
    });

  program
    .command('who-can')
    .argument('<path>', 'object path')
    .description('every user who can reach PATH, and through what')
    .action(async (path: string, _o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const r = await client.whoCan(path);
        out.result(r, () => renderExplanation(r));
      });
    });

  program
    .command('audit')
    .argument('[id]', 'show one event in full')
    .option('--connection <name>')
    .option('--action <action>', 'e.g. apply, connection.add, config.store; a family: policy.*')
    .option('--actor <actor>', 'e.g. user:alice, token:ci, cli:root')
    .option('--since <when>', 'a date-time, or a duration back from now (30m, 24h, 7d)')
    .option('--limit <n>', 'events to show (1–1000)', '30')
    .description('the audit log: who changed what (before and after), and every statement run')
    .action(async (id: string | undefined, o: { connection?: string; action?: string; actor?: string; since?: string; limit: string }, cmd: Command) => {
      let eventId: number | null = null;
      let limit = 30;
      let since: string | null = null;
      await run(
        cmd,
        async (client, out) => {
          if (eventId !== null) {
            const e = await client.auditEvent(eventId);
            out.result(e, () => JSON.stringify(e, null, 2));
            return;
          }
          const events = await client.audit({
            ...(o.connection ? { connection: o.connection } : {}),
            ...(o.action ? { action: o.action } : {}),
            ...(o.actor ? { actor: o.actor } : {}),
            ...(since !== null ? { since } : {}),
            limit,
          });
          out.result(events, () =>
            table(['ID', 'AT', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME', 'SUMMARY'], events.map((e) => [e.id, e.at, e.actor, e.action, e.target ?? e.connection ?? '', e.outcome, e.summary])),
          );
        },
        {
          // Arguments are checked before the store is opened.
          check: () => {
            if (id !== undefined) eventId = wholeNumber('id', id, { what: 'an audit event id (a positive whole number)' });
            limit = wholeNumber('--limit', o.limit, { max: 1000 });
            if (o.since !== undefined) since = sinceOf(o.since);
          },
        },
      );
    });
}

/** `--since`: a date-time, or a duration back from now. */
export function sinceOf(text: string, now = Date.now()): string {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const d = new Date(text);
    if (Number.isNaN(d.getTime())) throw invalidInput('--since', `"${text}" is not a date-time`, 'write 2026-11-01, 2026-11-01T12:00:00Z or a duration like 24h');
    return d.toISOString();
  }
  return new Date(now - parseDuration('--since', text)).toISOString();
}

/** Explanations are plain data from the policy engine; print their `lines` if any, else YAML-ish JSON. */
function renderExplanation(r: unknown): string {
  if (r && typeof r === 'object' && 'lines' in r && Array.isArray((r).lines)) return (r as { lines: string[] }).lines.join('\n');
  return JSON.stringify(r, null, 2);
}
