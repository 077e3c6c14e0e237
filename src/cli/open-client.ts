import { StewardError } from '../domain/errors.js';
import { createLocalClient } from '../client/local-client.js';
import { createRemoteClient } from '../client/remote-client.js';
import type { StewardClient } from '../client/steward-client.js';
import { openServices } from '../services/container.js';
import { storeLocation } from '../store/open-store.js';
import { userInfo } from 'node:os';

export interface GlobalFlags {
  readonly json?: boolean;
  readonly dataDir?: string;
  readonly server?: string;
}

/**
 * The CLI works on the store directly, or through a running server when given `--server` (or
 * `STEWARD_SERVER`) with `STEWARD_TOKEN`: the embedded store belongs to one process at a time.
 */
export async function openClient(flags: GlobalFlags, env: NodeJS.ProcessEnv = process.env): Promise<StewardClient> {
  const server = flags.server ?? env.STEWARD_SERVER;
  if (server !== undefined && server !== '') {
    const token = env.STEWARD_TOKEN;
    if (!token) throw new StewardError('invalid_input', 'STEWARD_TOKEN: not set', { hint: 'export STEWARD_TOKEN=<the admin token printed by steward serve>' });
    return createRemoteClient({ server, token });
  }
  const services = await openStoreOrExplain(flags);
  return createLocalClient(services, `cli:${safeUser()}`);
}

async function openStoreOrExplain(flags: GlobalFlags) {
  try {
    return await openServices(storeLocation(flags.dataDir));
  } catch (err) {
    const msg = err instanceof Error ? err.message : String(err);
    // PGlite cannot open a data directory another process holds.
    if (/lock|in use|postmaster/i.test(msg)) {
      throw new StewardError('locked', 'the embedded store is in use by another process (is `steward serve` running?)', {
        hint: 'talk to the running server with --server http://127.0.0.1:8080 and STEWARD_TOKEN',
      });
    }
    throw err;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
