import { policySecrets } from './policy-secrets.js';
import { createCatalogService } from '../catalog/catalog-service.js';
import { createSyncService } from '../catalog/sync-service.js';
import type { PlatformType } from '../domain/connection.js';
import type { Platform } from '../platforms/platform.js';
import { PLATFORMS } from '../platforms/registry.js';
import { createReconcileService } from '../reconcile/reconcile-service.js';
import { loadMasterKey, createSecretBox } from '../security/secret-box.js';
import type { Db } from '../store/db.js';
import type { OpenOptions } from '../store/db.js';
import { openStore, type StoreLocation } from '../store/open-store.js';
import { createAccessService } from './access-service.js';
import { createApplyService } from './apply-service.js';
import { createAuditService } from './audit-service.js';
import { createConfigService } from './config-service.js';
import { createConnectionService } from './connection-service.js';
import { createIdentityService } from './identity-service.js';
import { createOwnershipService } from './ownership-service.js';
import { createTokenService } from './token-service.js';
import { createHealthService } from './health-service.js';
import { createWebhookService } from './webhook-service.js';
import { DEFAULT_SCHEDULE, jobsEnabledFor } from '../jobs/schedule.js';

/** Every service, wired once; the CLI, the API and the jobs all use this. */
export function createServices(deps: { db: Db; masterKey: Buffer; platforms?: Readonly<Record<PlatformType, Platform>>; now?: () => Date }) {
  const { db } = deps;
  const platforms = deps.platforms ?? PLATFORMS;
  const box = createSecretBox(deps.masterKey);
  const audit = createAuditService({ db });
  const connections = createConnectionService({ db, box, platforms, audit });
  const sync = createSyncService({ db, ...(deps.now ? { now: deps.now } : {}) });
  const secrets = policySecrets(box);
  const config = createConfigService({ db, connections, audit, platforms, secrets, ...(deps.now ? { now: deps.now } : {}) });
  const reconcile = createReconcileService({ db, connections, sync, audit, ...(deps.now ? { now: deps.now } : {}) });
  const health = createHealthService({ db, jobsEnabled: jobsEnabledFor(DEFAULT_SCHEDULE) });
  return {
    db,
    platforms,
    audit,
    connections,
    sync,
    config,
    reconcile,
    applier: createApplyService({ config, connections, reconcile, platforms }),
    catalog: createCatalogService({ db }),
    identities: createIdentityService({ db, audit, config, secrets }),
    policySecrets: secrets,
    access: createAccessService({ db, connections, config, ...(deps.now ? { now: deps.now } : {}) }),
    tokens: createTokenService({ db, audit }),
    owners: createOwnershipService({ db, audit }),
    health,
    webhooks: createWebhookService({ db, box, audit }),
    /** Every connection's last sync, apply, drift, and health verdict. */
    status: () => health.statusView(),
    /** Sync one connection (opening and closing its session). */
    async syncConnection(name: string, under?: readonly string[]) {
      // A connection that cannot be opened is a failed sync too: `status` must show it.
      const open = await connections.open(name).catch(async (err: unknown) => {
        await sync.recordFailure(name, err);
        throw err;
      });
      try {
        return await sync.sync(name, open.session, under);
      } finally {
        await open.session.close();
      }
    },
    close: () => db.close(),
  };
}

export type Services = ReturnType<typeof createServices>;

/** Open the store at `loc`, apply migrations and wire the services. */
export async function openServices(loc: StoreLocation, env: NodeJS.ProcessEnv = process.env, opts: OpenOptions = {}): Promise<Services> {
  const masterKey = loadMasterKey(loc.dataDir, env);
  const db = await openStore(loc, opts);
  const services = createServices({ db, masterKey });
  // Hash salts stored in the clear by an older version are sealed with the master key.
  await services.connections.sealStoredSalts();
  await services.policySecrets.sealStored(db);
  return services;
}
