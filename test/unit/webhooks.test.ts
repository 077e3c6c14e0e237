import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { WEBHOOK_EVENT_TYPES, webhookBody } from '../../src/services/webhook-events.js';
import { newWebhookSecret, webhookHeaders } from '../../src/services/webhook-signing.js';
import { checkLiteralHost, checkWebhookTarget, isPrivateAddress, parseWebhookUrl } from '../../src/services/webhook-target.js';

describe('webhook signatures (Standard Webhooks)', () => {
  const body = webhookBody('access.granted', new Date('2026-12-01T00:00:00Z'), { user: 'alice' });

  it('verify with the standardwebhooks package', () => {
    const secret = newWebhookSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const headers = webhookHeaders([secret], 'msg_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual({ type: 'access.granted', timestamp: '2026-12-01T00:00:00.000Z', data: { user: 'alice' } });
  });

  it('carry the old and the new signature during a rotation; each secret verifies', () => {
    const [oldSecret, newSecret] = [newWebhookSecret(), newWebhookSecret()];
    const headers = webhookHeaders([newSecret, oldSecret], 'msg_2', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(() => new Webhook(oldSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newSecret).verify(body, headers)).not.toThrow();
    expect(() => new Webhook(newWebhookSecret()).verify(body, headers)).toThrow();
  });

  it('a changed body, id or stale timestamp does not verify', () => {
    const secret = newWebhookSecret();
    const now = Math.floor(Date.now() / 1000);
    const headers = webhookHeaders([secret], 'msg_3', now, body);
    expect(() => new Webhook(secret).verify(body.replace('alice', 'mallory'), headers)).toThrow();
    expect(() => new Webhook(secret).verify(body, { ...headers, 'webhook-id': 'msg_4' })).toThrow();
    const old = webhookHeaders([secret], 'msg_3', now - 3600, body);
    expect(() => new Webhook(secret).verify(body, old)).toThrow();
  });

  it('lists every event type of INTERFACE.md', () => {
    expect(WEBHOOK_EVENT_TYPES).toEqual([
      'access.granted', 'access.revoked', 'datasource.added', 'datasource.removed', 'policy.created', 'policy.updated',
      'policy.deleted', 'drift.detected', 'connection.health_changed', 'apply.failed', 'plan.notified',
    ]);
  });
});

describe('webhook targets', () => {
  it('classifies loopback, private, link-local and mapped addresses as private', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fc00::1', 'fd12::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect(isPrivateAddress(a), a).toBe(true);
    }
    for (const a of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) expect(isPrivateAddress(a), a).toBe(false);
  });

  it('refuses private targets by their resolved address, unless allowed', async () => {
    await expect(checkWebhookTarget(new URL('http://localhost:9/x'), false)).rejects.toThrow(/resolves to (127\.0\.0\.1|::1), a loopback or private address/);
    await expect(checkWebhookTarget(new URL('http://[::1]:9/x'), false)).rejects.toThrow(/loopback or private/);
    await expect(checkWebhookTarget(new URL('http://127.0.0.1:9/x'), true)).resolves.toBeUndefined();
    expect(() => checkLiteralHost(new URL('http://10.0.0.1/x'), false)).toThrow(/private/);
    expect(() => checkLiteralHost(new URL('http://10.0.0.1/x'), true)).not.toThrow();
  });

  it('rejects malformed URLs loudly, naming the field', () => {
    expect(() => parseWebhookUrl('not a url')).toThrow(/^url: "not a url" is not a URL/);
    expect(() => parseWebhookUrl('ftp://example.com/')).toThrow(/^url: ftp: is not http or https/);
    expect(() => parseWebhookUrl('https://u:p@example.com/')).toThrow(/^url: must not carry credentials/);
  });
});
