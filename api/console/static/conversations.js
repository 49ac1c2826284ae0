// The conversations page, for admins and analysts: the newest
// conversations with where routing sent them and which rule did it,
// refreshed every few seconds, and one conversation's thread and routing
// history. It is where an analyst sees a new rule route the next message.

import { call, list } from './api.js';
import { h, mount, redraw, field, select, errorBox, when, toast } from './dom.js';
import { messageList } from './thread.js';

const statuses = ['open', 'offered', 'active', 'waiting', 'wrap_up', 'closed'];
const shown = 25; // rows in the table
const every = 3000; // ms between refreshes

export async function conversationsPage({ me, main, args, onLeave }) {
  const [queues, streams] = await Promise.all([list('/queues'), list('/workstreams')]);
  // Agents' names: admins list the agents, analysts find them in the
  // queue statistics (which name each queue's agents).
  const agents = me.role === 'admin' ? await list('/agents')
    : await call('GET', '/queues/stats').then(r => r.items.flatMap(q => q.agents.map(a => ({ id: a.agent_id, name: a.name })))).catch(() => []);
  const nameIn = (items) => (id) => (items.find(x => x.id === id) || {}).name || id || '';
  const queueName = nameIn(queues), agentName = nameIn(agents), streamName = nameIn(streams);

  const state = { selected: args[0] || '', rows: [], details: new Map(), error: null };
  const statusSel = select({ name: 'status' }, [['', 'Any status'], ...statuses.map(s => [s, s.replace('_', ' ')])], '');
  const queueSel = select({ name: 'queue' }, [['', 'Any queue'], ...queues.map(q => [q.id, q.name])], '');
  const live = h('input', { type: 'checkbox', id: 'conv-live', checked: true });
  const tableEl = h('section', { 'aria-labelledby': 'conv-h', 'aria-live': 'polite' });
  const detailEl = h('section', { class: 'card', 'aria-labelledby': 'detail-h' });
  statusSel.addEventListener('change', load);
  queueSel.addEventListener('change', load);
  mount(main, h('div', { class: 'pagehead' }, h('h1', { id: 'conv-h' }, 'Conversations'),
    field('Status', statusSel), field('Queue', queueSel),
    h('div', { class: 'field inline' }, live, h('label', { for: 'conv-live' }, 'Refresh every 3 s'))),
  tableEl, detailEl);

  // routedBy is the last routing decision of a conversation, in words.
  const routedBy = (d) => {
    const r = d && d.routing && d.routing[d.routing.length - 1];
    if (!r) return d ? 'not routed yet' : '…';
    const by = r.rule_name ? `rule “${r.rule_name}”` : (r.error ? 'default queue (rule error)' : 'default queue');
    if (r.reason === 'priority') return r.rule_name;
    return `${by} · version ${r.rule_set_version}${['requeue', 'transfer'].includes(r.reason) ? ' · ' + r.reason : ''}`;
  };

  // detail reads a conversation once per change (its updated_at).
  async function detail(c) {
    const key = c.id + '@' + c.updated_at;
    if (!state.details.has(key)) state.details.set(key, call('GET', '/conversations/' + c.id).catch(() => null));
    return state.details.get(key);
  }

  async function load() {
    const q = new URLSearchParams({ limit: String(shown) });
    if (statusSel.value) q.set('status', statusSel.value);
    if (queueSel.value) q.set('queue_id', queueSel.value);
    try {
      const page = await call('GET', '/conversations?' + q);
      state.rows = await Promise.all(page.items.map(async c => ({ c, d: await detail(c) })));
      // Keep only the details of the rows shown: the page may stay open all day.
      const keep = new Set(page.items.map(c => c.id + '@' + c.updated_at));
      for (const k of state.details.keys()) if (!keep.has(k)) state.details.delete(k);
      state.error = null;
    } catch (err) { state.error = err; }
    renderTable();
    if (state.selected) renderDetail();
  }

  function renderTable() {
    if (state.error) { mount(tableEl, errorBox(state.error)); return; }
    if (!state.rows.length) {
      mount(tableEl, h('p', { class: 'muted' }, 'No conversations yet: they appear here as customers write.'));
      return;
    }
    mount(tableEl, h('table', { class: 'conversations' },
      h('caption', {}, `The ${shown} newest, newest first`),
      h('thead', {}, h('tr', {}, ['Customer', 'Status', 'Queue', 'Priority', 'Routed by', 'Agent', 'Last message', ''].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, state.rows.map(({ c, d }) => {
        const last = d && d.messages && d.messages.filter(m => m.direction === 'inbound').pop();
        return h('tr', { class: c.id === state.selected ? 'current' : null, 'data-id': c.id },
          h('td', {}, h('strong', {}, c.customer.name || c.customer.screen_name), h('br'), h('span', { class: 'muted small' },
            '@' + c.customer.screen_name + ' · ' + Number(c.customer.followers_count).toLocaleString() + ' followers' + (c.customer.verified ? ' · verified' : ''))),
          h('td', {}, h('span', { class: 'status s-' + c.status }, c.status.replace('_', ' '))),
          h('td', {}, queueName(c.queue_id)),
          h('td', { class: 'num' }, String(c.priority)),
          h('td', { class: 'routed' }, routedBy(d)),
          h('td', {}, agentName(c.agent_id || c.offered_agent_id) + (c.offered_agent_id && !c.agent_id ? ' (offered)' : '')),
          h('td', {}, last ? h('span', {}, last.text, h('br'), h('span', { class: 'muted small' }, when(last.received_at))) : ''),
          h('td', {}, h('button', { type: 'button', class: 'small', 'aria-label': 'Open the conversation with ' + (c.customer.name || c.customer.screen_name),
            onclick: () => { location.hash = '#/conversations/' + c.id; } }, 'Open')));
      }))));
  }

  async function renderDetail() {
    const id = state.selected;
    let d = null, error = null;
    try { d = await call('GET', '/conversations/' + id); } catch (err) { error = err; }
    if (id !== state.selected) return;
    if (!d) { mount(detailEl, errorBox(error)); return; }
    const c = d.customer;
    redraw(detailEl,
      h('h2', { id: 'detail-h' }, `${c.name || c.screen_name} `, h('span', { class: 'muted' }, '@' + c.screen_name)),
      h('p', { class: 'muted' }, h('span', { class: 'status s-' + d.status }, d.status.replace('_', ' ')), ` · ${streamName(d.work_stream_id)} · queue ${queueName(d.queue_id)}`,
        d.agent_id ? ` · ${agentName(d.agent_id)}` : '', d.is_returning ? ` · returning (${d.previous_conversations} earlier)` : ' · new customer',
        ` · priority ${d.priority}`),
      me.role === 'admin' && d.status !== 'closed' && d.status !== 'wrap_up' ? priorityForm(d) : null,
      h('div', { class: 'two' },
        h('div', {}, h('h3', {}, 'Messages'), messageList(d.messages)),
        h('div', {}, h('table', { class: 'routing' }, h('caption', {}, 'Routing history'),
          h('thead', {}, h('tr', {}, ['When', 'Queue', 'Rule', 'Version', 'Priority', 'Why'].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, (d.routing || []).map(r => h('tr', {},
            h('td', {}, when(r.at)), h('td', {}, queueName(r.queue_id)), h('td', {}, r.rule_name || '— default queue —'),
            h('td', {}, r.reason === 'priority' ? '' : String(r.rule_set_version)), h('td', { class: 'num' }, String(r.priority)),
            h('td', {}, (r.reason || '').replace(/_/g, ' '), r.error ? h('span', { class: 'bad' }, ' · ' + r.error) : null))))))));
  }

  // priorityForm lets an admin change a waiting or worked conversation's
  // priority; the change shows in its routing history.
  function priorityForm(d) {
    const input = h('input', { type: 'number', name: 'priority', min: 0, max: 1000, step: 1, required: true, size: 5, value: String(d.priority) });
    const err = h('div');
    return h('form', { class: 'inline-form', 'aria-label': 'Priority', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const res = await call('POST', `/conversations/${d.id}/priority`, { priority: Number(input.value) });
        toast(`Priority ${res.priority} saved`);
        delete input.dataset.typed;
        await load();
      } catch (ex) { mount(err, errorBox(ex)); }
    } }, field('Priority', input), h('button', { type: 'submit' }, 'Set priority'),
    h('p', { class: 'help' }, '0 to 1000: among those waiting in the queue, higher is offered first.'), err);
  }

  const timer = setInterval(() => { if (live.checked) load(); }, every);
  onLeave(() => clearInterval(timer));
  await load();
  if (state.selected) await renderDetail();
  else mount(detailEl, h('h2', { id: 'detail-h' }, 'A conversation'), h('p', { class: 'muted' }, 'Open one to read its messages and routing history.'));
}
