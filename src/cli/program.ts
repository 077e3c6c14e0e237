import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCatalog } from './commands/catalog.js';
import { registerConnection } from './commands/connection.js';
import { registerIdentities } from './commands/identities.js';
import { registerOwner } from './commands/owner.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerServe } from './commands/serve.js';
import { registerToken } from './commands/token.js';
import { registerWebhook } from './commands/webhook.js';

/** The package's version; src/cli and dist/cli both sit two levels below package.json. */
function version(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * The `steward` command line: thin commands over the StewardClient. Command modules import
 * nothing heavy at the top; their actions load what they use (see main.ts).
 */
export function buildProgram(): Command {
  const program = new Command('steward')
    .description('Steward: govern who can read and write what in PostgreSQL, MySQL/MariaDB and Redshift')
    .version(version())
    .option('--json', 'machine-readable output')
    .option('--data-dir <dir>', 'data directory (default: $STEWARD_DATA_DIR or ./.steward)')
    .option('--server <url>', 'talk to a running steward server (or $STEWARD_SERVER; token in $STEWARD_TOKEN)')
    .showHelpAfterError('(run steward --help for usage)')
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? str : `error: ${str}`) });

  registerServe(program);
  registerConnection(program);
  registerCatalog(program);
  registerReconcile(program);
  registerIdentities(program);
  registerOwner(program);
  registerToken(program);
  registerWebhook(program);
  program
    .command('schema')
    .description('print the JSON Schema of steward.yaml')
    .action(async () => {
      const { ConfigSchema } = await import('../config/schema.js');
      process.stdout.write(`${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ConfigSchema }, null, 2)}\n`);
    });
  return program;
}
