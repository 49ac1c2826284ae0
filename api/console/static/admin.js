// Admin pages: queues, work streams, agents, API keys and web-chat
// widgets, each a table of what exists and a form to add one.

import { call, list } from './api.js';
import { h, mount, field, select, toast, errorBox, when, copyButton } from './dom.js';

// adminPage renders a heading, the form and the table of a resource;
// reload() renders it again after a change.
async function adminPage(main, title, build) {
  const reload = async (notice) => {
    const { columns, rows, form } = await build(reload);
    mount(main, h('h1', {}, title), notice || null, form || null,
      rows.length ? h('table', {}, h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map(r => h('tr', {}, r.map(v => h('td', {}, v))))))
        : h('p', { class: 'muted' }, 'None yet.'));
  };
  await reload();
}

// createForm is a form whose submit posts body() to path and reloads the
// page; shown(answer) may return a notice to keep on the page (a token).
function createForm(title, fields, path, body, reload, shown = () => null) {
  const err = h('div');
  return h('form', { class: 'card', onsubmit: async (e) => {
    e.preventDefault();
    try {
      const res = await call('POST', path, body());
      toast(`Created “${res.name}”`);
      await reload(shown(res));
    } catch (ex) { mount(err, errorBox(ex)); }
  } }, h('h2', {}, title), h('div', { class: 'row' }, fields), err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create')));
}

// tokenNotice shows a new bearer token, once.
function tokenNotice(res) {
  return h('div', { class: 'notice', role: 'alert' },
    h('p', {}, h('strong', {}, `The token of “${res.name}”. `), 'It is shown only this once: copy it now.'),
    h('p', {}, h('code', { class: 'token' }, res.token), ' ', copyButton(res.token)));
}

const nameInput = () => h('input', { name: 'name', required: true, autocomplete: 'off' });
const nameOf = (items) => (id) => (items.find(x => x.id === id) || {}).name || id || '';

export function queuesPage({ main, me }) {
  return adminPage(main, 'Queues', async (reload) => {
    const queues = await list('/queues');
    const name = nameInput();
    return {
      columns: ['Name', 'Created'],
      rows: queues.map(q => [q.name, when(q.created_at)]),
      form: me.role === 'agent' ? null : createForm('New queue', [field('Queue name', name)], '/queues', () => ({ name: name.value }), reload),
    };
  });
}

export function workStreamsPage({ main }) {
  return adminPage(main, 'Work streams', async (reload) => {
    const [streams, queues] = await Promise.all([list('/workstreams'), list('/queues')]);
    const queueName = nameOf(queues);
    const name = nameInput();
    const queue = select({ name: 'default_queue', required: true }, queues.map(q => [q.id, q.name]));
    const mode = select({ name: 'mode' }, [['push', 'Push: offer to agents'], ['pick', 'Pick: agents take from the queue']], 'push');
    const channel = select({ name: 'channel' }, [['twitter', 'Twitter DMs'], ['webchat', 'Web chat']], 'twitter');
    const method = select({ name: 'assignment_method' }, [['round_robin', 'Round robin'], ['highest_capacity', 'Highest free capacity'], ['most_idle', 'Most idle']], 'round_robin');
    const offer = h('input', { name: 'offer_timeout', value: '60s', pattern: '[0-9]+(ms|s|m|h)([0-9]+(ms|s|m|h))*' });
    const form = queues.length
      ? createForm('New work stream', [field('Work stream name', name), field('Channel', channel), field('Default queue', queue), field('Mode', mode), field('Assignment', method), field('Offer timeout', offer)],
        '/workstreams', () => ({ name: name.value, channel: channel.value, default_queue_id: queue.value, mode: mode.value, assignment_method: method.value, offer_timeout: offer.value }), reload)
      : h('p', { class: 'notice' }, 'Create a queue first: a work stream needs a default queue. ', h('a', { href: '#/queues' }, 'Queues'));
    return {
      columns: ['Name', 'Channel', 'Mode', 'Default queue', 'Assignment', 'Offer timeout', 'Rules'],
      rows: streams.map(w => [w.name, w.channel, w.mode, queueName(w.default_queue_id), w.assignment_method.replace('_', ' '), w.offer_timeout,
        h('a', { href: '#/rules/' + w.id }, 'Edit rules')]),
      form,
    };
  });
}

export function agentsPage({ main }) {
  return adminPage(main, 'Agents', async (reload) => {
    const [agents, queues] = await Promise.all([list('/agents'), list('/queues')]);
    const queueName = nameOf(queues);
    const name = nameInput();
    const capacity = h('input', { name: 'capacity', type: 'number', min: 1, value: 10 });
    const boxes = queues.map(q => h('input', { type: 'checkbox', name: 'queue_ids', value: q.id, id: 'aq-' + q.id }));
    const queueField = h('fieldset', { class: 'field' }, h('legend', {}, 'Queues'),
      queues.map((q, i) => h('span', { class: 'inline' }, boxes[i], h('label', { for: 'aq-' + q.id }, q.name))));
    return {
      columns: ['Name', 'Presence', 'Capacity', 'Queues'],
      rows: agents.map(a => [a.name, a.presence, String(a.capacity), (a.queue_ids || []).map(queueName).join(', ')]),
      form: createForm('New agent', [field('Agent name', name), field('Capacity', capacity), queueField], '/agents',
        () => ({ name: name.value, capacity: Number(capacity.value), queue_ids: boxes.filter(b => b.checked).map(b => b.value) }), reload, tokenNotice),
    };
  });
}

export function keysPage({ main }) {
  return adminPage(main, 'API keys', async (reload) => {
    const [keys, agents] = await Promise.all([list('/keys'), list('/agents')]);
    const name = nameInput();
    const role = select({ name: 'role' }, [['analyst', 'Analyst'], ['admin', 'Admin'], ['agent', 'Agent']], 'analyst');
    const agent = select({ name: 'agent_id' }, [['', '— none —'], ...agents.map(a => [a.id, a.name])], '');
    return {
      columns: ['Name', 'Role', 'Agent', 'Created', 'Revoked', ''],
      rows: keys.map(k => [k.name, k.role, nameOf(agents)(k.agent_id), when(k.created_at), k.revoked_at ? when(k.revoked_at) : '',
        k.revoked_at ? '' : h('button', { type: 'button', class: 'small', onclick: async () => {
          if (!confirm(`Revoke the key “${k.name}”?`)) return;
          try { await call('DELETE', '/keys/' + k.id); await reload(); } catch (err) { toast(err.message); }
        } }, 'Revoke')]),
      form: createForm('New API key', [field('Key name', name), field('Role', role), field('Agent (for the agent role)', agent)], '/keys',
        () => ({ name: name.value, role: role.value, agent_id: agent.value || undefined }), reload, tokenNotice),
    };
  });
}

// secretNotice shows a widget's new signing secret, once.
function secretNotice(res) {
  return h('div', { class: 'notice', role: 'alert' },
    h('p', {}, h('strong', {}, `The signing secret of “${res.name}”. `), 'It is shown only this once: put it in your site\'s relay now.'),
    h('p', {}, h('code', { class: 'token' }, res.secret), ' ', copyButton(res.secret)));
}

export function webchatPage({ main }) {
  return adminPage(main, 'Web chat', async (reload) => {
    const [widgets, streams] = await Promise.all([list('/webchat/widgets'), list('/workstreams')]);
    const chat = streams.filter(w => w.channel === 'webchat');
    const name = nameInput();
    const stream = select({ name: 'work_stream', required: true }, chat.map(w => [w.id, w.name]));
    const form = chat.length
      ? createForm('New widget', [field('Widget name', name), field('Work stream', stream)], '/webchat/widgets',
        () => ({ name: name.value, work_stream_id: stream.value }), reload, secretNotice)
      : h('p', { class: 'notice' }, 'Create a work stream of the web-chat channel first: a widget\'s visitors are routed by its rules. ', h('a', { href: '#/workstreams' }, 'Work streams'));
    return {
      columns: ['Widget', 'Work stream', 'Relay messages to', 'State', ''],
      rows: widgets.map(x => [x.name, nameOf(streams)(x.work_stream_id), h('span', {}, h('code', {}, x.messages_path), ' ', copyButton(x.messages_path)), x.status,
        h('span', {},
          h('button', { type: 'button', class: 'small', onclick: async () => {
            if (!confirm(`Give “${x.name}” a new secret? The old one stops working at once.`)) return;
            try { await reload(secretNotice(await call('POST', `/webchat/widgets/${x.id}/secret`))); } catch (err) { toast(err.message); }
          } }, 'New secret'), ' ',
          h('button', { type: 'button', class: 'small', onclick: async () => {
            if (!confirm(`Delete the widget “${x.name}”?`)) return;
            try { await call('DELETE', '/webchat/widgets/' + x.id); await reload(); } catch (err) { toast(err.message); }
          } }, 'Delete'))]),
      form,
    };
  });
}
