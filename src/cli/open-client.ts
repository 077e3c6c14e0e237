import { userInfo } from 'node:os';
import { StewardError } from '../domain/errors.js';
import type { StewardClient } from '../client/steward-client.js';

export interface GlobalFlags {
  readonly json?: boolean;
  readonly dataDir?: string;
  readonly server?: string;
}

/**
 * The CLI works on the store directly, or through a running server when given `--server` (or
 * `STEWARD_SERVER`) with `STEWARD_TOKEN`: the embedded store belongs to one process at a time,
 * and a second one is refused by the store's lock with the holder's name. `holder` names this
 * command in that lock (`steward connection list`). The store and the services are imported
 * here, when a command needs them, not when the CLI starts.
 */
export async function openClient(flags: GlobalFlags, holder: string, env: NodeJS.ProcessEnv = process.env): Promise<StewardClient> {
  const server = flags.server ?? env.STEWARD_SERVER;
  if (server !== undefined && server !== '') {
    const token = env.STEWARD_TOKEN;
    if (!token) throw new StewardError('invalid_input', 'STEWARD_TOKEN: not set', { hint: 'export STEWARD_TOKEN=<the admin token printed by steward serve>' });
    const { createRemoteClient } = await import('../client/remote-client.js');
    return createRemoteClient({ server, token });
  }
  const [{ openServices }, { storeLocation }, { createLocalClient }] = await Promise.all([
    import('../services/container.js'),
    import('../store/open-store.js'),
    import('../client/local-client.js'),
  ]);
  const services = await openServices(storeLocation(flags.dataDir, env), env, { holder });
  return createLocalClient(services, `cli:${safeUser()}`);
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
