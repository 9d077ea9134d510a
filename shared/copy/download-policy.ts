// What a download link from Tencent may point at before the copy engine fetches it. A link comes
// from the REST API we call, so a compromised or mistyped API base (or a hijacked DNS name) would
// otherwise turn the archive into a proxy that fetches anything reachable from inside the account
// (the instance metadata service, VPC hosts, localhost) and serves the bytes back through
// presigned links. Every hop of every request passes `checkDownloadTarget`:
//   - https only; plain http only to a loopback address, and only when the setting allows it (the
//     local simulator serves http on 127.0.0.1; a Lambda never needs it);
//   - an optional host allowlist, by DNS suffix;
//   - the host's resolved addresses, all of them, must be public: no private, loopback (unless
//     allowed), link-local, CGNAT, multicast or reserved address, also when embedded in IPv6.
// The caller connects to the address checked here (guarded-fetch.ts), never resolving again: a
// DNS answer that changes between check and connect (rebinding) cannot steer the connection.
import { lookup as dnsLookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ArchiveError, TransientError, type ErrorContext } from '../errors.ts';

export interface DownloadPolicy {
  /** http:// (and https://) to 127.0.0.0/8, ::1 or `localhost`. npm start: true; AWS: false. */
  readonly allowInsecureLoopback: boolean;
  /** Hosts a link may name, as DNS suffixes (`myqcloud.com` matches `x.file.myqcloud.com`). Empty: any public host. */
  readonly hostAllowlist: readonly string[];
}

/** What AWS runs with: https to public addresses only. */
export const STRICT_DOWNLOAD_POLICY: DownloadPolicy = { allowInsecureLoopback: false, hostAllowlist: [] };

export type DownloadRefusal = 'scheme' | 'host-not-allowed' | 'blocked-address' | 'redirect-not-https' | 'too-many-redirects' | 'bad-url';

/**
 * A link the policy refuses. Not retryable: a fresh link names the same place, and what fixes it
 * is an operator (the API base, the allowlist), so the message goes to the DLQ with this reason.
 */
export class DownloadRefusedError extends ArchiveError {
  override name = 'DownloadRefusedError';
  readonly retryable = false;
  readonly refusal: DownloadRefusal;

  constructor(refusal: DownloadRefusal, message: string, context: ErrorContext = {}) {
    super(`download link refused (${refusal}): ${message}`, { ...context, refusal });
    this.refusal = refusal;
  }
}

/** A target that passed the policy: connect to `address`, present `url`'s host for TLS and Host. */
export interface CheckedTarget {
  readonly url: URL;
  readonly address: string;
  readonly family: 4 | 6;
}

/** Where a link may not lead: [network, prefix, family, what it is]. */
const NOT_PUBLIC: ReadonlyArray<readonly [string, number, 'ipv4' | 'ipv6', string]> = [
  ['0.0.0.0', 8, 'ipv4', 'this network'],
  ['10.0.0.0', 8, 'ipv4', 'private'],
  ['100.64.0.0', 10, 'ipv4', 'carrier-grade NAT'],
  ['127.0.0.0', 8, 'ipv4', 'loopback'],
  ['169.254.0.0', 16, 'ipv4', 'link-local (instance metadata)'],
  ['172.16.0.0', 12, 'ipv4', 'private'],
  ['192.0.0.0', 24, 'ipv4', 'IETF protocol assignments'],
  ['192.0.2.0', 24, 'ipv4', 'documentation'],
  ['192.168.0.0', 16, 'ipv4', 'private'],
  ['198.18.0.0', 15, 'ipv4', 'benchmarking'],
  ['198.51.100.0', 24, 'ipv4', 'documentation'],
  ['203.0.113.0', 24, 'ipv4', 'documentation'],
  ['224.0.0.0', 4, 'ipv4', 'multicast'],
  ['240.0.0.0', 4, 'ipv4', 'reserved'],
  ['::1', 128, 'ipv6', 'loopback'],
  // IPv4-compatible, NAT64 and 6to4 addresses carry an IPv4 address a translator may reach; none
  // is a plain public IPv6 address, so all of them are refused. (IPv4-mapped ::ffff:a.b.c.d is
  // checked against the IPv4 ranges above by BlockList itself.)
  ['::', 96, 'ipv6', 'unspecified or IPv4-compatible'],
  ['64:ff9b::', 96, 'ipv6', 'NAT64'],
  ['64:ff9b:1::', 48, 'ipv6', 'NAT64'],
  ['2002::', 16, 'ipv6', '6to4'],
  ['100::', 64, 'ipv6', 'discard'],
  ['2001:db8::', 32, 'ipv6', 'documentation'],
  ['fc00::', 7, 'ipv6', 'unique local (private)'],
  ['fe80::', 10, 'ipv6', 'link-local'],
  ['fec0::', 10, 'ipv6', 'site-local'],
  ['ff00::', 8, 'ipv6', 'multicast'],
];
const BLOCKED = NOT_PUBLIC.map(([network, prefix, type, name]) => {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return { list, name };
});

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

const typeOf = (family: number) => (family === 6 ? 'ipv6' : 'ipv4');

function describeRange(address: string, family: number): string | undefined {
  return BLOCKED.find(({ list }) => list.check(address, typeOf(family)))?.name;
}

function isLoopback(address: string, family: number): boolean {
  return LOOPBACK.check(address, typeOf(family));
}

/** The URL's host without IPv6 brackets or a trailing dot, lower case. */
function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
}

export function hostAllowed(host: string, allowlist: readonly string[]): boolean {
  if (allowlist.length === 0) return true;
  return allowlist.some((entry) => {
    const suffix = entry.trim().replace(/^\*?\./, '').replace(/\.$/, '').toLowerCase();
    return suffix !== '' && (host === suffix || host.endsWith(`.${suffix}`));
  });
}

export type Resolver = (host: string) => Promise<ReadonlyArray<{ address: string; family: number }>>;

const systemResolver: Resolver = (host) => dnsLookup(host, { all: true, verbatim: true });

/**
 * Checks one hop. `context` goes on the error (never the link itself: its query string is a
 * credential). Name resolution failing is transient (DNS hiccup); anything else refused is final.
 */
export async function checkDownloadTarget(
  link: string | URL,
  policy: DownloadPolicy,
  context: ErrorContext = {},
  resolve: Resolver = systemResolver,
): Promise<CheckedTarget> {
  let url: URL;
  try {
    url = typeof link === 'string' ? new URL(link) : link;
  } catch {
    throw new DownloadRefusedError('bad-url', 'not an absolute URL', context);
  }
  const host = hostOf(url);
  const where = { ...context, scheme: url.protocol.replace(/:$/, ''), host };
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new DownloadRefusedError('scheme', `scheme ${url.protocol} is not https`, where);
  }
  if (url.username || url.password) throw new DownloadRefusedError('bad-url', 'links with credentials in the URL are not fetched', where);
  if (!hostAllowed(host, policy.hostAllowlist)) {
    throw new DownloadRefusedError('host-not-allowed', `host ${host} is not in DOWNLOAD_HOST_ALLOWLIST`, where);
  }
  let answers: ReadonlyArray<{ address: string; family: number }>;
  const literal = isIP(host);
  if (literal) answers = [{ address: host, family: literal }];
  else {
    try {
      answers = await resolve(host);
    } catch (error) {
      throw new TransientError(`cannot resolve download host ${host}`, where, { cause: error });
    }
    if (answers.length === 0) throw new TransientError(`download host ${host} has no address`, where);
  }
  // Every answer must pass: a name that resolves to one public and one private address is not a
  // public name, whichever address a later lookup would pick.
  for (const { address, family } of answers) {
    const loopback = isLoopback(address, family);
    if (loopback && policy.allowInsecureLoopback) continue;
    const range = describeRange(address, family);
    if (range) {
      const hint = loopback ? ' (DOWNLOAD_ALLOW_INSECURE_LOOPBACK is off)' : '';
      throw new DownloadRefusedError('blocked-address', `host ${host} resolves to ${address}, a ${range} address${hint}`, { ...where, address });
    }
  }
  if (url.protocol === 'http:') {
    const allLoopback = answers.every(({ address, family }) => isLoopback(address, family));
    if (!(policy.allowInsecureLoopback && allLoopback)) {
      throw new DownloadRefusedError('scheme', `plain http to ${host} (only https${policy.allowInsecureLoopback ? ', or http to loopback,' : ''} is fetched)`, where);
    }
  }
  const first = answers[0]!;
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}
