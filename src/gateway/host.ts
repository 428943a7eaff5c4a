/**
 * The routing key of a request's Host (or :authority): lower-cased, without port and trailing dot.
 * Returns the input itself when it is already in that form, so the common case allocates nothing.
 */
export function hostKey(host: string | undefined): string {
  if (!host) return '';
  let end = host.length;
  if (host.charCodeAt(0) === 91 /* [ */) {
    const close = host.indexOf(']');
    end = close < 0 ? end : close + 1;
  } else {
    const colon = host.indexOf(':');
    if (colon >= 0) end = colon;
  }
  if (end > 0 && host.charCodeAt(end - 1) === 46 /* . */) end--;
  const bare = end === host.length ? host : host.slice(0, end);
  return hasUpperCase(bare) ? bare.toLowerCase() : bare;
}

function hasUpperCase(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return true;
  }
  return false;
}

/** True for hosts that can never be a route's: IP literals and localhost (the gateway's own pages). */
export function isGatewayOwnHost(key: string): boolean {
  return key === 'localhost' || key.charCodeAt(0) === 91 || /^\d+\.\d+\.\d+\.\d+$/.test(key);
}
