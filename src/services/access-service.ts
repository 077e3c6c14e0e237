import { invalidInput } from '../domain/errors.js';
import { decodePath } from '../domain/paths.js';
import { explainAccess, whoCan } from '../policy/explain.js';
import { explainWithDataPolicies, whoCanWithDataPolicies } from '../policy/explain-data-policies.js';
import { buildPolicyInput } from '../reconcile/policy-input.js';
import type { Db } from '../store/db.js';
import { objectsRepo } from '../store/objects-repo.js';
import type { ConfigService } from './config-service.js';
import type { ConnectionService } from './connection-service.js';

/** "Why can alice read this?" and "who can read this?", from the stored model. */
export function createAccessService(deps: { db: Db; connections: ConnectionService; config: ConfigService; now?: () => Date }) {
  async function inputFor(fullPath: string) {
    let segs: string[];
    try {
      segs = decodePath(fullPath);
    } catch (err) {
      throw invalidInput('PATH', (err as Error).message, 'escape "/", "*" and "\\" in names with a backslash');
    }
    const [connection, ...rest] = segs as [string, ...string[]];
    const { spec, platform } = await deps.connections.spec(connection);
    const objects = await objectsRepo.live(deps.db, connection);
    const model = await deps.config.loadModel();
    const input = buildPolicyInput(spec, platform, model, { kind: 'stored', objects }, deps.now?.() ?? new Date());
    return { input, segments: rest };
  }
  return {
    async explain(user: string, fullPath: string) {
      const { input, segments } = await inputFor(fullPath);
      // Data policies: SELECT goes through the secure view; masks and filters for the user.
      return explainWithDataPolicies(explainAccess(input, user, segments), input, segments);
    },
    async whoCan(fullPath: string) {
      const { input, segments } = await inputFor(fullPath);
      return whoCanWithDataPolicies(whoCan(input, segments), input, segments);
    },
  };
}

export type AccessService = ReturnType<typeof createAccessService>;
