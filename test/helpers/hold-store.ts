/**
 * A process that opens the embedded store the way every command does (openServices, with its
 * lock) and keeps it until signalled. Usage: hold-store.ts DATA_DIR. Prints "holding" when open.
 */
import { openServices } from '../../src/services/container.js';
import { storeLocation } from '../../src/store/open-store.js';

const services = await openServices(storeLocation(process.argv[2], { ...process.env, STEWARD_DATABASE_URL: '' }), process.env, { holder: 'steward hold' });
process.stdout.write('holding\n');
const stop = (): void => {
  void services.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
setInterval(() => undefined, 60_000);
