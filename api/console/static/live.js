// The live queue view: per queue, the conversations waiting for an agent
// and the longest wait, the conversations being worked, and the queue's
// agents with their presence and load; read every two seconds, the waits
// ticking in between.

import { call } from './api.js';
import { h, mount, errorBox } from './dom.js';

const every = 2000; // ms between reads of the statistics

// duration is seconds as "1 h 02 min", "3 min 07 s" or "12 s".
function duration(s) {
  s = Math.max(0, Math.floor(s));
  const hh = Math.floor(s / 3600), mm = Math.floor((s % 3600) / 60), ss = s % 60;
  if (hh) return `${hh} h ${String(mm).padStart(2, '0')} min`;
  if (mm) return `${mm} min ${String(ss).padStart(2, '0')} s`;
  return `${ss} s`;
}

export async function livePage({ main, onLeave }) {
  const body = h('div', { class: 'live', 'aria-live': 'off' });
  const stamp = h('p', { class: 'muted small', 'aria-live': 'polite' });
  mount(main, h('div', { class: 'pagehead' }, h('h1', {}, 'Live queues'), stamp), body);
  let skew = 0; // the browser's clock minus the server's

  const waitOf = (el) => {
    const since = el.dataset.since;
    el.textContent = since ? duration((Date.now() - skew - Date.parse(since)) / 1000) : '—';
  };

  async function load() {
    let res;
    try { res = await call('GET', '/queues/stats'); } catch (err) { mount(body, errorBox(err)); return; }
    skew = Date.now() - Date.parse(res.at);
    stamp.textContent = 'Updated ' + new Date(Date.parse(res.at) + skew).toLocaleTimeString();
    if (!res.items.length) { mount(body, h('p', { class: 'muted' }, 'No queue yet.')); return; }
    mount(body, res.items.map(q => {
      const c = q.conversations;
      const worked = c.active + c.waiting + c.wrap_up;
      const wait = h('span', { class: 'longest', 'data-since': q.longest_wait_since || '' });
      waitOf(wait);
      return h('section', { class: 'card queue-live', 'aria-label': 'Queue ' + q.name },
        h('h2', {}, q.name),
        h('dl', { class: 'stats' },
          h('div', {}, h('dt', {}, 'Waiting'), h('dd', { class: 'waiting-count' + (c.open ? ' hot' : '') }, String(c.open))),
          h('div', {}, h('dt', {}, 'Longest wait'), h('dd', {}, wait)),
          h('div', {}, h('dt', {}, 'Offered'), h('dd', {}, String(c.offered))),
          h('div', {}, h('dt', {}, 'Being worked'), h('dd', { title: `${c.active} active, ${c.waiting} waiting for the customer, ${c.wrap_up} in wrap-up` }, String(worked))),
          h('div', {}, h('dt', {}, 'Agents available'), h('dd', {}, `${q.agents_available} of ${q.agents.length}`))),
        q.agents.length ? h('table', { class: 'agents-live' },
          h('thead', {}, h('tr', {}, ['Agent', 'Presence', 'Load'].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, q.agents.map(a => h('tr', {},
            h('td', {}, a.name),
            h('td', {}, h('span', { class: 'status p-' + a.presence }, a.presence)),
            h('td', {}, h('meter', { min: 0, max: a.capacity, value: a.used, 'aria-label': `Load of ${a.name}` }),
              ` ${a.used} of ${a.capacity}`, a.conversations !== a.used ? ` (${a.conversations} conversations)` : '')))))
          : h('p', { class: 'muted' }, 'No agent works this queue.'));
    }));
  }

  const reader = setInterval(load, every);
  const ticker = setInterval(() => { for (const el of body.querySelectorAll('.longest')) waitOf(el); }, 1000);
  onLeave(() => { clearInterval(reader); clearInterval(ticker); });
  await load();
}
