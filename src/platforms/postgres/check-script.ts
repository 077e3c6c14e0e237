import { cmp } from '../../domain/canonical-state.js';
import { quoteIdent } from './quote.js';

/**
 * The SQL `connection check` proposes, as a script an administrator runs in psql (as a
 * superuser, or as a member of each role named): cluster-wide statements first, then per
 * database a `-- in database "x":` line and the statements that must run there, in blocks
 * wrapped in `SET ROLE r; … RESET ROLE;` saying as whom each runs and why. `SET ROLE` makes the
 * grantor explicit: PostgreSQL records the object's owner as grantor of a superuser's GRANT
 * anyway, and only the grantor of a privilege can revoke it.
 */
type Block = { readonly comment: string; readonly lines: string[] };
const byKey = <T>([a]: [string, T], [b]: [string, T]): number => cmp(a, b);

export class AdminScript {
  private readonly clusterLines: string[] = [];
  private readonly databases = new Map<string, Map<string, Block>>();

  /** A statement that may run in any database (roles, database privileges without a grantor to name). */
  cluster(sql: string): void {
    if (!this.clusterLines.includes(sql)) this.clusterLines.push(sql);
  }

  /**
   * A statement to run in `database` as `role`; `comment` explains the block (the first one
   * given for a block is kept). Grants come before revocations in a database's section.
   */
  as(database: string, kind: 'grant' | 'revoke', role: string, comment: string, sql: string): void {
    let blocks = this.databases.get(database);
    if (!blocks) this.databases.set(database, (blocks = new Map<string, Block>()));
    const key = `${kind === 'grant' ? 0 : 1}\u0000${role}`;
    let block = blocks.get(key);
    if (!block) blocks.set(key, (block = { comment, lines: [] }));
    block.lines.push(sql);
  }

  /** The script, one statement or comment per line; empty when nothing is needed. */
  render(): string[] {
    const out = [...this.clusterLines];
    for (const [database, blocks] of [...this.databases].sort(byKey)) {
      out.push(`-- in database ${quoteIdent(database)}:`);
      for (const [key, block] of [...blocks].sort(byKey)) {
        const role = key.slice(key.indexOf('\u0000') + 1);
        out.push(`-- ${block.comment}`, `SET ROLE ${quoteIdent(role)};`, ...block.lines, 'RESET ROLE;');
      }
    }
    return out;
  }
}
