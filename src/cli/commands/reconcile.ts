import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { StatusView } from '../../services/health-service.js';
import type { ApplyView, PlanView } from '../../client/steward-client.js';
import { loadConfigFile } from '../../config/load-config.js';
import { connectionsOf } from '../../config/to-model.js';
import { StewardError } from '../../domain/errors.js';
import { table } from '../output.js';
import { run } from '../run.js';

/** Human rendering of a plan: each statement, with drift marked, like a Terraform plan. */
export function renderPlan(p: PlanView): string {
  const lines: string[] = [];
  const head = `connection ${p.connection} (${p.type}${p.mode === 'notify' ? ', notify-only: nothing will run' : ''})`;
  if (p.operations.length === 0) {
    lines.push(`${head}: no changes`);
  } else {
    lines.push(`${head}: ${p.operations.length} operations, ${p.statements.length} statements${p.driftCount > 0 ? `, ${p.driftCount} reverting drift` : ''}`);
    for (const s of p.statements) {
      const op = p.operations[s.op];
      const mark = op?.drift ? '! ' : op && (op.kind.startsWith('revoke') || op.kind === 'dropRole') ? '- ' : '+ ';
      lines.push(`  ${mark}${s.sql}${s.database ? `    -- in ${s.database}` : ''}${op?.drift ? '    -- drift' : ''}`);
    }
    if (p.revocationRatio > 0) lines.push(`  revokes ${Math.round(p.revocationRatio * 100)}% of the access Steward manages here`);
  }
  if (p.reportedDrift.length > 0) lines.push(`  drift reported, not reverted (drift: report): ${p.reportedDrift.length} operations`);
  return lines.join('\n');
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
    .description('what would change: operations and exact SQL; changes nothing')
    .action(async (o: { file: string; connection?: string; exitCode?: boolean }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const cfg = loadConfigFile(o.file);
        const plans = await client.plan(cfg, o.connection);
        out.result({ connections: plans }, () => plans.map(renderPlan).join('\n\n'));
        return o.exitCode === true && plans.some((p) => p.operations.length > 0) ? 2 : 0;
      });
    });

  program
    .command('apply')
    .requiredOption('-f, --file <file>', 'steward.yaml')
    .option('--connection <name>', 'enforce only this connection (the whole file is still stored)')
    .option('-y, --yes', 'do not ask for confirmation')
    .option('--force', 'run even a plan that revokes more than half of the access Steward manages on a connection')
    .option('--no-sync', 'skip the object sync (only identities or policies changed)')
    .description('store the configuration, sync, and enforce it')
    .action(async (o: { file: string; connection?: string; yes?: boolean; force?: boolean; sync?: boolean }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const cfg = loadConfigFile(o.file);
        const names = o.connection ? [o.connection] : connectionsOf(cfg).map((c) => c.name);
        if (o.yes !== true) {
          const plans = await client.plan(cfg, o.connection);
          out.info(plans.map(renderPlan).join('\n\n'));
          if (plans.every((p) => p.operations.length === 0)) out.info('(the configuration is stored and each connection synced before enforcing)');
          if (!(await confirm('store this configuration and enforce it?'))) {
            out.result({ applied: false }, () => 'nothing done');
            return 1;
          }
        }
        await client.storeConfig(cfg);
        const results: ApplyView[] = [];
        let failed = false;
        for (const name of names) {
          if (!out.json) out.info(`applying ${name}…`);
          const r = await client.applyConnection(name, { ...(o.force ? { force: true } : {}), ...(o.sync === false ? { sync: false } : {}) });
          results.push(r);
          if (r.status === 'failed') failed = true;
        }
        out.result({ connections: results }, () =>
          results
            .map((r) => {
              const ok = r.results.filter((x) => x.ok).length;
              const head =
                r.status === 'no-op' ? `${r.connection}: up to date` :
                r.status === 'notified' ? `${r.connection}: notify-only, ${r.plan.statements.length} statements recorded, none run` :
                `${r.connection}: ${r.status}, ${ok}/${r.plan.statements.length} statements` + (r.error ? ` — ${r.error}` : '');
              const sync = r.sync ? `  sync: ${r.sync.added} added, ${r.sync.changed} changed, ${r.sync.removed} removed` : '';
              return [head, sync, r.auditId !== null ? `  audit event ${r.auditId}` : ''].filter(Boolean).join('\n');
            })
            .join('\n'),
        );
        return failed ? 1 : 0;
      });
    });

  program
    .command('status')
    .description('health of every connection: last sync, last apply, drift, errors')
    .action(async (_o: unknown, cmd: Command) => {
      await run(cmd, async (client, out) => {
        const st = await client.status();
        const when = (d: Date | string | null): string => (d ? new Date(d).toISOString().replace('.000Z', 'Z') : 'never');
        out.result(st, () =>
          table(
            ['CONNECTION', 'HEALTH', 'LAST SYNC', 'OBJECTS', 'LAST APPLY', 'DRIFT', 'PRIVILEGES', 'LAST ERROR'],
            st.map((s) => {
              const h = (s as { health?: StatusView['health'] }).health;
              const err = h?.lastError ? `${when(h.lastErrorAt)} ${h.lastError}` : (s.lastSyncError ?? s.lastApplyError ?? '');
              const privileges = h?.privilegesOk === true ? 'ok' : h?.privilegesOk === false ? 'missing' : '';
              return [s.connection, h ? (h.status === 'healthy' ? 'healthy' : `${h.status}: ${h.reason}`) : '', when(s.lastSyncAt), s.lastSync?.objects ?? '', when(s.lastApplyAt), s.driftCount, privileges, err];
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
    .option('--action <action>', 'e.g. apply, connection.add, config.store')
    .option('--limit <n>', 'events to show', '30')
    .description('the audit log: who changed what, and every statement run')
    .action(async (id: string | undefined, o: { connection?: string; action?: string; limit: string }, cmd: Command) => {
      await run(cmd, async (client, out) => {
        if (id !== undefined) {
          const e = await client.auditEvent(Number(id));
          out.result(e, () => JSON.stringify(e, null, 2));
          return;
        }
        const events = await client.audit({ ...(o.connection ? { connection: o.connection } : {}), ...(o.action ? { action: o.action } : {}), limit: Number(o.limit) });
        out.result(events, () => table(['ID', 'AT', 'ACTOR', 'ACTION', 'CONNECTION', 'OUTCOME', 'SUMMARY'], events.map((e) => [e.id, e.at, e.actor, e.action, e.connection ?? '', e.outcome, e.summary])));
      });
    });
}

/** Explanations are plain data from the policy engine; print their `lines` if any, else YAML-ish JSON. */
function renderExplanation(r: unknown): string {
  if (r && typeof r === 'object' && 'lines' in r && Array.isArray((r).lines)) return (r as { lines: string[] }).lines.join('\n');
  return JSON.stringify(r, null, 2);
}
