import type { Command } from 'commander';
import { invalidInput } from '../../domain/errors.js';
import { parseDuration } from '../duration.js';
import { reportError } from '../output.js';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .option('--port <port>', 'port to listen on', process.env.PORT ?? '8080')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--sync-interval <duration>', 'object sync of every connection (e.g. 30s, 5m; 0 = off)', '0')
    .option('--drift-interval <duration>', 'reconcile every connection to find and revert drift (0 = off)', '0')
    .description('API (and later the web UI); embedded store unless STEWARD_DATABASE_URL')
    .action(async (o: { port: string; host: string; syncInterval: string; driftInterval: string }, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ dataDir?: string; json?: boolean }>();
      try {
        const port = Number(o.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidInput('--port', `"${o.port}" is not a port number`);
        const syncIntervalMs = parseDuration('--sync-interval', o.syncInterval);
        const driftIntervalMs = parseDuration('--drift-interval', o.driftInterval);
        // Loaded here, not at start: other commands never pay for the server.
        const [{ createServer }, { startScheduler }, { openServices }, { storeLocation }] = await Promise.all([
          import('../../api/server.js'),
          import('../../jobs/scheduler.js'),
          import('../../services/container.js'),
          import('../../store/open-store.js'),
        ]);
        const loc = storeLocation(flags.dataDir);
        const services = await openServices(loc, process.env, { holder: 'steward serve' });
        const token = await services.tokens.ensureAdmin(process.env.STEWARD_ADMIN_TOKEN);
        // Structured log lines on stdout (pino, JSON): one per request, one per error with its request id.
        const app = await createServer(services, { logger: true });
        const address = await app.listen({ port, host: o.host });
        const scheduler = startScheduler(services, { syncIntervalMs, driftIntervalMs, log: (m) => app.log.info(m) });
        process.stdout.write(`steward listening on ${address}  (store: ${loc.databaseUrl ? 'PostgreSQL via STEWARD_DATABASE_URL' : loc.dataDir})\n`);
        if (token) {
          process.stdout.write(`first admin token (shown once, keep it safe):\n  ${token}\n`);
          process.stdout.write(`use it as: export STEWARD_SERVER=${address} STEWARD_TOKEN=<token>\n`);
        }
        const shutdown = async (): Promise<void> => {
          await scheduler.stop();
          await app.close();
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
