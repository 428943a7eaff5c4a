// The authenticated connection to the dashboard server: the token kept for the tab, JSON calls
// with `Authorization: Bearer`, and the live event stream read through fetch (EventSource cannot
// send that header).

const TOKEN_KEY = 'ksrv-dashboard-token';

/** Takes the token from the URL fragment (then removes it from the address bar) or from the tab's session. */
export function takeToken() {
  const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
  if (m) {
    sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
    history.replaceState(null, '', location.pathname + location.search);
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export class Unauthorized extends Error {}

export async function api(token, method, path, body) {
  const res = await fetch(path, {
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (res.status === 401) throw new Unauthorized();
  const json = await res.json().catch(() => ({}));
  return { ok: res.ok, status: res.status, body: json };
}

/**
 * Reads the server-sent events of /api/stream, reconnecting with backoff, until stop().
 * `onEvent(name, data)` gets each event; `onState(state)` gets 'live' | 'reconnecting' | 'unauthorized'.
 */
export function openStream(token, onEvent, onState) {
  let stopped = false;
  let controller;
  let delay = 500;

  async function once() {
    controller = new AbortController();
    const res = await fetch('/api/stream', { headers: { Authorization: `Bearer ${token}` }, signal: controller.signal, cache: 'no-store' });
    if (res.status === 401) throw new Unauthorized();
    if (!res.ok || !res.body) throw new Error(`stream: HTTP ${res.status}`);
    onState('live');
    delay = 500;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message';
        const data = [];
        for (const line of frame.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length) onEvent(event, JSON.parse(data.join('\n')));
      }
    }
  }

  (async () => {
    while (!stopped) {
      try {
        await once();
      } catch (err) {
        if (err instanceof Unauthorized) { onState('unauthorized'); return; }
      }
      if (stopped) return;
      onState('reconnecting');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 10_000);
    }
  })();

  return { stop() { stopped = true; controller?.abort(); } };
}
