/**
 * `steward webhook …` and `steward status` as a user runs them: on a local store (private
 * targets refused, bad event types named) and through a running server (`--server`), where a
 * local receiver gets a signed event and the history shows it.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServe, until, type ServeProcess } from '../helpers/serve-process.js';
import { startReceiver, type Receiver } from '../helpers/webhook-receiver.js';

const run = promisify(execFile);
const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
const localDir = mkdtempSync(join(tmpdir(), 'steward-jobs-cli-local-'));
const serverDir = mkdtempSync(join(tmpdir(), 'steward-jobs-cli-server-'));
const token = `stw_${randomBytes(16).toString('hex')}`;

async function steward(env: Record<string, string>, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, STEWARD_MASTER_KEY: '', STEWARD_DATABASE_URL: '', ...env } });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('steward webhook and status (CLI)', () => {
  let server: ServeProcess;
  let receiver: Receiver;
  const local = (...args: string[]) => steward({}, '--data-dir', localDir, ...args);
  const remote = (...args: string[]) => steward({ STEWARD_SERVER: server.url, STEWARD_TOKEN: token }, ...args);

  beforeAll(async () => {
    receiver = await startReceiver(200);
    server = await startServe({
      env: { STEWARD_DATABASE_URL: '', STEWARD_DATA_DIR: serverDir, STEWARD_ADMIN_TOKEN: token, STEWARD_MASTER_KEY: randomBytes(32).toString('base64') },
      args: ['--allow-private-webhooks'],
      timeoutMs: 120_000,
    });
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    rmSync(localDir, { recursive: true, force: true });
    rmSync(serverDir, { recursive: true, force: true });
  });

  it('refuses a loopback target on a local store, naming the field, with a hint', async () => {
    const r = await local('webhook', 'add', 'http://127.0.0.1:9/hook', '--event', 'access.granted');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: url: http:\/\/127\.0\.0\.1:9\/hook resolves to 127\.0\.0\.1, a loopback or private address/);
    expect(r.stderr).toMatch(/--allow-private-webhooks/);
  });

  it('names an unknown event type', async () => {
    const r = await local('webhook', 'add', 'https://hooks.invalid/x', '--event', 'access.granted', '--event', 'acess.revoked');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: events\[1\]: unknown event type "acess.revoked"/);
  });

  it('through the server: add (secret shown once), an event delivered and signed, history, rotate, remove', async () => {
    const added = await remote('--json', 'webhook', 'add', receiver.url, '--event', 'policy.created');
    expect(added.code).toBe(0);
    const hook = JSON.parse(added.stdout) as { id: string; secret: string };
    expect(hook.secret).toMatch(/^whsec_/);
    const listed = await remote('webhook', 'list');
    expect(listed.stdout).toContain(hook.id);
    expect(listed.stdout).not.toContain(hook.secret);
    const policy = join(serverDir, 'p.yaml');
    // A policy's group must exist (the configuration is checked whole).
    expect((await remote('group', 'add', 'g')).code).toBe(0);
    writeFileSync(policy, 'name: cli-readers\ntype: subscription\naccess: read\nto: { groups: [g] }\non: { all: true }\n');
    expect((await remote('policy', 'put', '-f', policy)).code).toBe(0);
    await until('the delivery', async () => receiver.received.length > 0);
    const body = new Webhook(hook.secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers as Record<string, string>) as { type: string; data: { name: string } };
    expect(body).toMatchObject({ type: 'policy.created', data: { name: 'cli-readers' } });
    await until('the history', async () => (await remote('webhook', 'deliveries', hook.id)).stdout.includes('delivered'));
    const rotated = await remote('--json', 'webhook', 'rotate', hook.id, '--grace', '1h');
    const r = JSON.parse(rotated.stdout) as { secret: string; previousSecretValidUntil: string };
    expect(r.secret).toMatch(/^whsec_/);
    expect(r.secret).not.toBe(hook.secret);
    expect(new Date(r.previousSecretValidUntil).getTime()).toBeGreaterThan(Date.now() + 3_500_000);
    // The next delivery carries both signatures: receivers on the old and on the new secret verify.
    writeFileSync(policy, 'name: cli-readers-2\ntype: subscription\naccess: read\nto: { groups: [g] }\non: { all: true }\n');
    await remote('policy', 'put', '-f', policy);
    await until('the second delivery', async () => receiver.received.length > 1);
    const second = receiver.received[1]!;
    expect(() => new Webhook(hook.secret).verify(second.body, second.headers as Record<string, string>)).not.toThrow();
    expect(() => new Webhook(r.secret).verify(second.body, second.headers as Record<string, string>)).not.toThrow();
    expect((await remote('webhook', 'remove', hook.id)).code).toBe(0);
    expect((await remote('webhook', 'list')).stdout).not.toContain(hook.id);
  });

  it('status has a health column', async () => {
    const r = await remote('status');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/CONNECTION +HEALTH +LAST SYNC/);
  });
});
