/**
 * Fault suite: hostile input. More than a hundred hostile names (test/helpers/hostile-names.ts)
 * as schema, table, column, login, user, group, tag, attribute and policy names on PGlite,
 * PostgreSQL and MariaDB: each works exactly or is refused with an error naming it. Names that
 * still fail because of known bugs outside the input checks are run by
 * hostile-known-failures.test.ts instead (see KNOWN_FAILURES there).
 */
import { HOSTILE_CORPUS } from '../helpers/hostile-names.js';
import { KNOWN_FAILURES } from './hostile-known-failures.js';
import { describeHostile } from './helpers/hostile-run.js';
import { HOSTILE_TARGETS } from './helpers/hostile-targets.js';

for (const make of HOSTILE_TARGETS) {
  const label = make().label;
  const known = new Set(KNOWN_FAILURES[label] ?? []);
  describeHostile(make, HOSTILE_CORPUS.filter((h) => !known.has(h.name)));
}
