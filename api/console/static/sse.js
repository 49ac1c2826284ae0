// A server-sent events reader over fetch(), so that the API key goes in
// the Authorization header (EventSource cannot send one). It parses the
// event stream itself, remembers the last event id, and reconnects with
// Last-Event-ID after a drop, so that nothing is lost or seen twice.

import { authHeaders } from './api.js';

// openStream reads url until stop() is called. onEvent receives
// {id, event, data} in order; onState receives 'open', 'reconnecting' or
// 'stopped' (with an error for the last when the server refused).
// opts.lastId resumes after that event id; opts.saveId stores each new one.
export function openStream(url, { lastId = '', onEvent, onState = () => {}, saveId = () => {} }) {
  const ctl = new AbortController();
  let retry = 2000;
  let last = lastId;
  let stopped = false;

  const dispatch = (ev) => {
    if (ev.id !== '' && last !== '' && Number(ev.id) <= Number(last)) return; // already seen
    if (ev.id !== '') { last = ev.id; saveId(last); }
    if (ev.data === '' && ev.event === 'message') return;
    onEvent(ev);
  };

  const readOnce = async () => {
    const headers = authHeaders({ Accept: 'text/event-stream' });
    if (last !== '') headers['Last-Event-ID'] = last;
    const res = await fetch(url, { headers, signal: ctl.signal, cache: 'no-store' });
    if (res.status === 401 || res.status === 403 || res.status === 404) {
      const body = await res.json().catch(() => null);
      const err = new Error((body && body.error && body.error.message) || `the stream answered ${res.status}`);
      err.fatal = true;
      throw err;
    }
    if (!res.ok || !res.body) throw new Error(`the stream answered ${res.status}`);
    onState('open');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    let ev = { id: '', event: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      let m;
      while ((m = /\r\n|\r|\n/.exec(buf)) !== null) {
        if (m[0] === '\r' && m.index === buf.length - 1) break; // a \n may follow
        const line = buf.slice(0, m.index);
        buf = buf.slice(m.index + m[0].length);
        if (line === '') {
          if (ev.data.length) dispatch({ id: ev.id, event: ev.event, data: ev.data.join('\n') });
          ev = { id: '', event: 'message', data: [] };
          continue;
        }
        if (line.startsWith(':')) continue; // a comment: the heartbeat
        const colon = line.indexOf(':');
        const name = colon < 0 ? line : line.slice(0, colon);
        let val = colon < 0 ? '' : line.slice(colon + 1);
        if (val.startsWith(' ')) val = val.slice(1);
        if (name === 'data') ev.data.push(val);
        else if (name === 'event') ev.event = val;
        else if (name === 'id' && !val.includes('\0')) ev.id = val;
        else if (name === 'retry' && /^\d+$/.test(val)) retry = Number(val);
      }
    }
  };

  (async () => {
    while (!stopped) {
      try {
        await readOnce();
      } catch (err) {
        if (stopped || ctl.signal.aborted) break;
        if (err.fatal) { stopped = true; onState('stopped', err); return; }
      }
      if (stopped) break;
      onState('reconnecting');
      await new Promise(r => setTimeout(r, retry));
    }
    onState('stopped');
  })();

  return { stop() { stopped = true; ctl.abort(); }, lastId: () => last };
}
