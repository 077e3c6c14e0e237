/**
 * Webhook targets must not reach the machine or network Steward runs in (a webhook URL is a way
 * to make the server send requests): loopback, private, link-local, carrier-grade NAT, unique
 * local and other special ranges are refused unless `serve --allow-private-webhooks`. The check
 * is made on the address actually connected to (the resolved one), not on the host text, so a
 * name that resolves to 127.0.0.1 is refused too.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { StewardError } from '../domain/errors.js';

const BLOCKED = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['198.51.100.0', 24], ['203.0.113.0', 24],
  ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) BLOCKED.addSubnet(net, bits, 'ipv4');
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['64:ff9b::', 96], ['2001:db8::', 32]] as const) {
  BLOCKED.addSubnet(net, bits, 'ipv6');
}

/** True when `address` (an IP literal) is loopback, private or otherwise not a public host. */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, 'ipv4');
  if (family === 6) {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    if (mapped) return BLOCKED.check(mapped[1]!, 'ipv4');
    return BLOCKED.check(address, 'ipv6');
  }
  return true;
}

function refused(url: string, address: string): StewardError {
  return new StewardError('invalid_input', `url: ${url} resolves to ${address}, a loopback or private address`, {
    hint: 'webhook targets must be public; for local receivers start the server with --allow-private-webhooks',
    details: { field: 'url' },
  });
}

/** Parse and check a webhook URL (http or https, no credentials). */
export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StewardError('invalid_input', `url: "${text}" is not a URL`, { hint: 'write it like https://hooks.example.com/steward', details: { field: 'url' } });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new StewardError('invalid_input', `url: ${url.protocol} is not http or https`, { hint: 'use an https:// URL', details: { field: 'url' } });
  }
  if (url.username !== '' || url.password !== '') {
    throw new StewardError('invalid_input', 'url: must not carry credentials', { hint: 'verify deliveries with the signing secret instead', details: { field: 'url' } });
  }
  return url;
}

/** Resolve the URL's host now and refuse it when any address is private (at registration). */
export async function checkWebhookTarget(url: URL, allowPrivate: boolean): Promise<void> {
  if (allowPrivate) return;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses = isIP(host) ? [host] : await new Promise<string[]>((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, list) => (err ? reject(new StewardError('invalid_input', `url: cannot resolve ${host} (${err.code ?? err.message})`, {
      hint: 'check the host name', details: { field: 'url' },
    })) : resolve(list.map((a) => a.address)))),
  );
  const bad = addresses.find(isPrivateAddress);
  if (bad !== undefined) throw refused(url.toString(), bad);
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses private addresses as it resolves, so that the
 * address checked is the one connected to (no window for a DNS answer to change in between).
 */
export function guardedLookup(allowPrivate: boolean) {
  return (hostname: string, options: { all?: boolean; family?: number }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (err, list) => {
      if (err) return callback(err, []);
      const usable = allowPrivate ? list : list.filter((a) => !isPrivateAddress(a.address));
      if (usable.length === 0) {
        const e: NodeJS.ErrnoException = new Error(`${hostname} resolves only to loopback or private addresses (refused)`);
        e.code = 'EPRIVATE';
        return callback(e, []);
      }
      if (options.all === true) return callback(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/** Refuse an IP-literal host before connecting (no lookup happens for those). */
export function checkLiteralHost(url: URL, allowPrivate: boolean): void {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && isIP(host) !== 0 && isPrivateAddress(host)) throw refused(url.toString(), host);
}
