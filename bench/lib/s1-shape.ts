/**
 * The shape of scenario S1 (BENCHMARKS.md), shared by the PostgreSQL and MariaDB variants:
 * 30 groups, 200 users, user uJ in grp((J-1) mod 30 + 1); group grpG reads containers
 * (G+k) mod 10 + 1 for k = 0, 1, 2 and writes container (G+3) mod 10 + 1, where a container is
 * a schema (PostgreSQL) or a database (MariaDB). One read and one write policy per group.
 */
export const GROUPS = 30;
export const USERS = 200;
export const CONTAINERS = 10;

export const groupOf = (user: number): number => ((user - 1) % GROUPS) + 1;
export const readsOf = (group: number): number[] => [0, 1, 2].map((k) => ((group + k) % CONTAINERS) + 1);
export const writesOf = (group: number): number => ((group + 3) % CONTAINERS) + 1;

export interface S1YamlOptions {
  readonly connection: string;
  readonly type: 'postgres' | 'mariadb';
  /** Name of the environment variable holding the URL. */
  readonly urlVar: string;
  readonly databases: readonly string[];
  readonly protect: readonly string[];
  /** Path of container n (1-based) below which `*` selects its tables, e.g. `s1pg/bench_s1/s3`. */
  readonly containerPath: (n: number) => string;
  /** Groups of some users instead of the standard one. */
  readonly groupsOverride?: Readonly<Record<number, readonly number[]>>;
}

const q = (s: string): string => JSON.stringify(s);

export function s1Yaml(o: S1YamlOptions): string {
  const lines: string[] = [];
  lines.push('connections:', `  ${o.connection}:`, `    type: ${o.type}`, `    url: \${${o.urlVar}}`);
  lines.push(`    databases: [${o.databases.map(q).join(', ')}]`, `    protect: [${o.protect.map(q).join(', ')}]`);
  lines.push(`groups: [${Array.from({ length: GROUPS }, (_, i) => `grp${i + 1}`).join(', ')}]`);
  lines.push('users:');
  for (let j = 1; j <= USERS; j++) {
    const groups = o.groupsOverride?.[j] ?? [groupOf(j)];
    lines.push(`  u${j}: { groups: [${groups.map((g) => `grp${g}`).join(', ')}] }`);
  }
  lines.push('policies:');
  for (let g = 1; g <= GROUPS; g++) {
    const reads = readsOf(g).map((n) => q(`${o.containerPath(n)}/*`));
    lines.push(`  - { name: grp${g}_read, type: subscription, access: read, to: { groups: [grp${g}] }, on: { paths: [${reads.join(', ')}] } }`);
    lines.push(
      `  - { name: grp${g}_write, type: subscription, access: write, to: { groups: [grp${g}] }, on: { paths: [${q(`${o.containerPath(writesOf(g))}/*`)}] } }`,
    );
  }
  return `${lines.join('\n')}\n`;
}
