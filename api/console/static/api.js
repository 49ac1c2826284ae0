// The console's client of the public /api/v1 API. The API key lives in
// sessionStorage (gone when the tab closes) and travels only in the
// Authorization header, never in a URL.

const tokenKey = 'switchboard.token';

export function token() { return sessionStorage.getItem(tokenKey) || ''; }
export function signIn(t) { sessionStorage.setItem(tokenKey, t); }
export function signOut() { sessionStorage.clear(); }

// APIError is an answer other than 2xx: status, code, message and details
// as the API's error body has them.
export class APIError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `the server answered ${status}`);
    this.status = status;
    this.code = e.code || '';
    this.details = e.details || [];
  }
}

// headers are the request headers with the key.
export function authHeaders(extra = {}) {
  return { Authorization: 'Bearer ' + token(), ...extra };
}

// call sends one request; a JSON body is sent when body is given.
export async function call(method, path, body) {
  const init = { method, headers: authHeaders({ Accept: 'application/json' }) };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const res = await fetch('/api/v1' + path, init);
  if (res.status === 204) return null;
  const data = await res.json().catch(() => null);
  if (!res.ok) throw new APIError(res.status, data);
  return data;
}

// list reads every page of a listing.
export async function list(path) {
  const items = [];
  let cursor = '';
  for (;;) {
    const sep = path.includes('?') ? '&' : '?';
    const page = await call('GET', path + sep + 'limit=500' + (cursor ? '&cursor=' + encodeURIComponent(cursor) : ''));
    items.push(...((page && page.items) || []));
    cursor = page && page.next_cursor;
    if (!cursor) return items;
  }
}
