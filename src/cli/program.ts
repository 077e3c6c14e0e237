import { Command } from 'commander';
import { ConfigSchema } from '../config/schema.js';
import { registerCatalog } from './commands/catalog.js';
import { registerConnection } from './commands/connection.js';
import { registerIdentities } from './commands/identities.js';
import { registerReconcile } from './commands/reconcile.js';
import { registerServe } from './commands/serve.js';
import { registerWebhook } from './commands/webhook.js';

/** The `steward` command line: thin commands over the StewardClient. */
export function buildProgram(): Command {
  const program = new Command('steward')
    .description('Steward: govern who can read and write what in PostgreSQL, MySQL/MariaDB and Redshift')
    .version('0.1.0')
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
  registerWebhook(program);
  program
    .command('schema')
    .description('print the JSON Schema of steward.yaml')
    .action(() => {
      process.stdout.write(`${JSON.stringify({ $schema: 'http://json-schema.org/draft-07/schema#', ...ConfigSchema }, null, 2)}\n`);
    });
  return program;
}
