/** A Steward client on a fresh in-memory store, as the CLI's local mode would have it. */
import { randomBytes } from 'node:crypto';
import { createLocalClient } from '../../src/client/local-client.js';
import type { StewardClient } from '../../src/client/steward-client.js';
import type { PlatformType } from '../../src/domain/connection.js';
import type { Platform } from '../../src/platforms/platform.js';
import { createServices } from '../../src/services/container.js';
import { openPglite } from '../../src/store/db.js';
import { migrate } from '../../src/store/migrations.js';

export async function freshLocalClient(platforms?: Readonly<Record<PlatformType, Platform>>): Promise<StewardClient> {
  const db = await openPglite(null);
  await migrate(db);
  return createLocalClient(createServices({ db, masterKey: randomBytes(32), ...(platforms ? { platforms } : {}) }), 'test');
}
