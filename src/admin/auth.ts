// The admin key check and the loopback rule. Keys are compared as sha256 digests with
// timingSafeEqual: both sides are always 32 bytes, so neither the time nor an early length
// mismatch tells a caller how close a guess was.
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** True when the request may use the admin API. */
export type AdminAuth = (authorization: string | undefined) => boolean;

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** With no key configured every request passes (the listener is then loopback-only). */
export function createAdminAuth(key: string | undefined): AdminAuth {
  if (key === undefined || key === '') return () => true;
  const want = digest(key);
  return (authorization) => {
    const m = /^Bearer[ \t]+(.*)$/i.exec(authorization ?? '');
    // Hash something even when the header is missing, so that path costs the same.
    const given = digest(m?.[1]?.trim() ?? '');
    return timingSafeEqual(given, want) && m !== null;
  };
}

/** 127.0.0.0/8, ::1, an IPv4-mapped loopback, or localhost: reachable from this machine only. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  const v4 = h.startsWith('::ffff:') ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith('127.');
}
