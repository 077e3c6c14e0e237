import type { Command } from 'commander';
import { invalidInput, redactSecrets } from '../../domain/errors.js';
import { parseDuration } from '../../domain/duration.js';
import type { JobsConfig } from '../../jobs/runtime.js';
import { DEFAULT_WEBHOOK_RETRIES_MS } from '../../jobs/context.js';
import { reportError } from '../output.js';

interface ServeFlags {
  port: string;
  host: string;
  syncInterval: string;
  driftInterval: string;
  probeInterval: string;
  jobTimeout: string;
  allowPrivateWebhooks?: boolean;
  webhookRetries: string;
}

/** Job settings from the flags: every duration checked, one-line errors naming the flag. */
export function jobsConfigOf(o: ServeFlags): JobsConfig {
  const timeoutMs = parseDuration('--job-timeout', o.jobTimeout);
  if (timeoutMs < 3000) throw invalidInput('--job-timeout', `"${o.jobTimeout}" is too short`, 'use 3s or more (default 30s)');
  const retries = o.webhookRetries.split(',').map((d, i) => parseDuration(`--webhook-retries[${i}]`, d.trim()));
  const timeoutS = Math.ceil(timeoutMs / 1000);
  return {
    schedule: {
      syncMs: parseDuration('--sync-interval', o.syncInterval),
      driftMs: parseDuration('--drift-interval', o.driftInterval),
      probeMs: parseDuration('--probe-interval', o.probeInterval),
    },
    // A dead worker's job is failed after the timeout by a maintenance pass (every third of it),
    // and its lease goes stale a little sooner, so another server takes it over at once.
    queue: { expireSeconds: timeoutS, maintenanceSeconds: Math.max(1, Math.floor(timeoutS / 3)) },
    lease: { staleMs: Math.round(timeoutMs * 0.66), heartbeatMs: Math.max(500, Math.round(timeoutMs / 6)) },
    webhooks: { allowPrivate: o.allowPrivateWebhooks === true, retryDelaysMs: retries.filter((ms) => ms > 0) },
  };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--sync-interval <duration>', 'object sync of every connection (then reconcile); 0 = off', '1h')
    .option('--drift-interval <duration>', 'drift check of every connection (sync, plan, revert or report); 0 = off', '5m')
    .option('--probe-interval <duration>', 'reachability and privilege probe of every connection; 0 = off', '1m')
    .option('--job-timeout <duration>', 'a job whose server stops answering is taken over by another after this', '30s')
    .option('--allow-private-webhooks', 'allow webhook targets on loopback and private addresses')
    .option('--webhook-retries <durations>', 'delays between webhook delivery attempts', DEFAULT_WEBHOOK_RETRIES_MS.map((ms) => `${ms / 1000}s`).join(','))
    .description('API, background jobs and metrics; embedded store unless STEWARD_DATABASE_URL')
    .action(async (o: ServeFlags, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ dataDir?: string; json?: boolean }>();
      try {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port', `"${o.port}" is not a port number`);
        const jobsConfig = jobsConfigOf(o);
        // Loaded here, not at start: other commands never pay for the server.
        const [{ createServer }, { startJobs }, { openServices }, { storeLocation }] = await Promise.all([
          import('../../api/server.js'),
          import('../../jobs/runtime.js'),
          import('../../services/container.js'),
          import('../../store/open-store.js'),
        ]);
        const loc = storeLocation(flags.dataDir);
        const services = await openServices(loc, process.env, { holder: 'steward serve' });
        const token = await services.tokens.ensureAdmin(process.env.STEWARD_ADMIN_TOKEN);
        services.webhooks.allowPrivateTargets(jobsConfig.webhooks?.allowPrivate === true);
        // Jobs log one line each through the server's logger (structured, redacted) once it exists.
        let writeLog = (m: string): void => void process.stderr.write(`${new Date().toISOString()} ${m}\n`);
        const log = (m: string): void => writeLog(m);
        const jobs = await startJobs(services, jobsConfig, log);
        // Structured log lines on stdout (pino, JSON): one per request, one per error with its request id.
        const app = await createServer(services, {
          logger: true,
          metrics: jobs.metrics.registry,
          onChange: () => jobs.nudge(),
        });
        writeLog = (m) => app.log.info({ job: true }, m);
        const address = await app.listen({ port, host: o.host });
        process.stdout.write(`steward listening on ${address}  (store: ${loc.databaseUrl ? 'PostgreSQL via STEWARD_DATABASE_URL' : loc.dataDir}; server ${jobs.serverId})\n`);
        if (token) {
          process.stdout.write(`first admin token (shown once, keep it safe):\n  ${token}\n`);
          process.stdout.write(`use it as: export STEWARD_SERVER=${address} STEWARD_TOKEN=<token>\n`);
        }
        let closing = false;
        const shutdown = async (): Promise<void> => {
          if (closing) return;
          closing = true;
          // Stop taking requests, let running jobs finish within the job timeout (what does not
          // is failed now and retried by another server), then close.
          await app.close();
          await jobs.stop(jobsConfig.queue?.expireSeconds !== undefined ? jobsConfig.queue.expireSeconds * 1000 : undefined).catch((err: unknown) => log(`stopping jobs: ${redactSecrets((err as Error).message)}`));
          await services.close();
          process.exit(0);
        };
        process.once('SIGINT', () => void shutdown());
        process.once('SIGTERM', () => void shutdown());
      } catch (err) {
        process.exitCode = reportError(err, flags.json === true);
      }
    });
}
