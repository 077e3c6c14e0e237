/**
 * The T10 configuration: a steward.yaml of `users` users (about 120 bytes each) in `groups`
 * groups, and `policies` subscription policies over `schemas` schemas of one database. With the
 * defaults (50,000 users, 5,000 policies) the file is about 6 MB. User logins are
 * `<prefix>u<N>` (the fixture creates them), connection `connection`.
 */
export interface T10Shape {
  readonly connection: string;
  readonly database: string;
  readonly prefix: string;
  readonly users: number;
  readonly groups: number;
  readonly policies: number;
  readonly schemas: number;
  readonly tablesPerSchema: number;
}

export function t10Yaml(s: T10Shape): string {
  const out: string[] = [];
  out.push('connections:', `  ${s.connection}:`, '    type: postgres', '    url: ${T10_URL}', `    databases: [${s.database}]`, `    protect: [${s.connection}/${s.database}/*]`);
  out.push('groups:');
  for (let g = 1; g <= s.groups; g++) out.push(`  - g${g}`);
  out.push('users:');
  const regions = ['eu', 'us', 'apac', 'latam'];
  for (let u = 1; u <= s.users; u++) {
    const g1 = ((u - 1) % s.groups) + 1;
    const g2 = ((u * 7) % s.groups) + 1;
    out.push(
      `  ${s.prefix}u${u}:`,
      `    email: ${s.prefix}u${u}@example.com`,
      `    groups: [g${g1}${g2 !== g1 ? `, g${g2}` : ''}]`,
      `    attributes: { region: [${regions[u % regions.length]}] }`,
    );
  }
  out.push('tags:');
  for (let sc = 1; sc <= s.schemas; sc++) out.push(`  ${s.connection}/${s.database}/s${sc}/t1: [tier${sc % 10}]`);
  out.push('policies:');
  for (let p = 1; p <= s.policies; p++) {
    const g = ((p - 1) % s.groups) + 1;
    const sc = ((p - 1) % s.schemas) + 1;
    const t = ((Math.floor((p - 1) / s.schemas)) % s.tablesPerSchema) + 1;
    if (p % 10 === 0) {
      out.push(`  - name: p${p}`, '    type: subscription', '    access: read', `    to: { groups: [g${g}], attributes: { region: [eu, us] } }`, `    on: { tags: [tier${p % 10}] }`);
    } else {
      out.push(
        `  - name: p${p}`,
        '    type: subscription',
        `    access: ${p % 3 === 0 ? 'write' : 'read'}`,
        `    to: { groups: [g${g}] }`,
        `    on: { paths: [${s.connection}/${s.database}/s${sc}/t${t}] }`,
      );
    }
  }
  return `${out.join('\n')}\n`;
}
