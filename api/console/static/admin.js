// Admin pages: queues, work streams, agents, API keys and web-chat
// widgets, each a table of what exists and a form to add one.

import { call, list } from './api.js';
import { h, mount, field, select, toast, errorBox, when, copyButton } from './dom.js';

// adminPage renders a heading, the form and the table of a resource. build
// gets { reload, editing, edit, cancel }: editing is the item whose edit
// form shows (null: the create form), edit(item) opens it, cancel() closes
// it; reload(notice) renders the page again after a change.
async function adminPage(main, title, build) {
  let editing = null;
  const reload = async (notice) => {
    const page = { reload, editing, edit: (item) => { editing = item; reload(); }, cancel: () => { editing = null; reload(); } };
    const { columns, rows, form } = await build(page);
    mount(main, h('h1', {}, title), notice || null, form || null,
      rows.length ? h('table', {}, h('thead', {}, h('tr', {}, columns.map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.map(r => h('tr', {}, r.map(v => h('td', {}, v))))))
        : h('p', { class: 'muted' }, 'None yet.'));
    const first = main.querySelector('form input, form select');
    if (editing && first) first.focus();
  };
  await reload();
}

// resourceForm creates a resource (POST path) or, while page.editing is
// set, changes it (PATCH path/id); body() reads the controls, shown(answer)
// may return a notice to keep on the page (a token shown once).
function resourceForm(page, { noun, fields, path, body, shown = () => null }) {
  const err = h('div');
  const item = page.editing;
  return h('form', { class: 'card' + (item ? ' editing' : ''), onsubmit: async (e) => {
    e.preventDefault();
    try {
      const res = item ? await call('PATCH', `${path}/${item.id}`, body()) : await call('POST', path, body());
      toast(item ? `Saved “${res.name}”` : `Created “${res.name}”`);
      page.editing = null;
      if (item) page.cancel(); else await page.reload(shown(res));
    } catch (ex) { mount(err, errorBox(ex)); }
  } }, h('h2', {}, item ? `Edit the ${noun} “${item.name}”` : `New ${noun}`), h('div', { class: 'row' }, fields), err,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, item ? 'Save' : 'Create'),
    item ? h('button', { type: 'button', onclick: page.cancel }, 'Cancel') : null));
}

// rowActions are a row's Edit and Delete buttons.
function rowActions(page, noun, item, path) {
  return h('div', { class: 'actions tight' },
    h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${item.name}`, onclick: () => page.edit(item) }, 'Edit'),
    h('button', { type: 'button', class: 'small', 'aria-label': `Delete ${item.name}`, onclick: async () => {
      if (!confirm(`Delete the ${noun} “${item.name}”?`)) return;
      try { await call('DELETE', `${path}/${item.id}`); toast(`Deleted “${item.name}”`); } catch (err) { toast(err.message); }
      if (page.editing && page.editing.id === item.id) page.cancel(); else await page.reload();
    } }, 'Delete'));
}

// tokenNotice shows a new bearer token, once.
function tokenNotice(res) {
  return h('div', { class: 'notice', role: 'alert' },
    h('p', {}, h('strong', {}, `The token of “${res.name}”. `), 'It is shown only this once: copy it now.'),
    h('p', {}, h('code', { class: 'token' }, res.token), ' ', copyButton(res.token)));
}

const nameInput = (value = '') => h('input', { name: 'name', required: true, autocomplete: 'off', value });
const nameOf = (items) => (id) => (items.find(x => x.id === id) || {}).name || id || '';
const durationInput = (name, value, help) => h('input', { name, value, required: true, pattern: '[0-9]+(ms|s|m|h)([0-9]+(ms|s|m|h))*', title: help, size: 8 });

// orderings name a queue's orderings as the queue form offers them.
const orderings = { priority: 'Highest priority, then longest waiting', age: 'Longest waiting' };

// calendarSelect picks a calendar by id ("" for none), for calendar_id.
const calendarSelect = (calendars, id) => select({ name: 'calendar_id' }, [['', 'None (always open)'], ...calendars.map(c => [c.id, c.name])], id || '');

export function queuesPage({ main }) {
  return adminPage(main, 'Queues', async (page) => {
    const [queues, calendars] = await Promise.all([list('/queues'), list('/calendars')]);
    const q = page.editing;
    const name = nameInput(q ? q.name : '');
    const ordering = select({ name: 'ordering' }, Object.entries(orderings), q ? q.ordering : 'priority');
    const calendar = calendarSelect(calendars, q && q.calendar_id);
    return {
      columns: ['Name', 'Offers first', 'Calendar', 'Created', ''],
      rows: queues.map(x => [x.name, orderings[x.ordering] || x.ordering, nameOf(calendars)(x.calendar_id) || 'None', when(x.created_at), rowActions(page, 'queue', x, '/queues')]),
      form: resourceForm(page, { noun: 'queue', fields: [field('Queue name', name),
        field('Offers first', ordering, 'which waiting conversation an agent with room is offered next'),
        field('Calendar', calendar, 'out of its hours, conversations wait here and are offered when it opens')],
      path: '/queues', body: () => ({ name: name.value, ordering: ordering.value, calendar_id: calendar.value }) }),
    };
  });
}

export function workStreamsPage({ main }) {
  return adminPage(main, 'Work streams', async (page) => {
    const [streams, queues, calendars] = await Promise.all([list('/workstreams'), list('/queues'), list('/calendars')]);
    const queueName = nameOf(queues);
    const w = page.editing || {};
    const name = nameInput(w.name || '');
    const queue = select({ name: 'default_queue', required: true }, queues.map(q => [q.id, q.name]), w.default_queue_id);
    const mode = select({ name: 'mode' }, [['push', 'Push: offer to agents'], ['pick', 'Pick: agents take from the queue']], w.mode || 'push');
    // A work stream's channel is fixed once it exists: its conversations came through it.
    const channel = select({ name: 'channel', disabled: !!page.editing }, [['twitter', 'Twitter DMs'], ['webchat', 'Web chat']], w.channel || 'twitter');
    const method = select({ name: 'assignment_method' }, [['round_robin', 'Round robin'], ['highest_capacity', 'Highest free capacity'], ['most_idle', 'Most idle']], w.assignment_method || 'round_robin');
    const capacity = h('input', { name: 'capacity', type: 'number', min: 1, value: w.capacity || 1, size: 4 });
    const offer = durationInput('offer_timeout', w.offer_timeout || '2m', 'e.g. 60s or 2m');
    const requeue = durationInput('requeue_after', w.requeue_after || '15m', 'e.g. 15m');
    const stall = durationInput('stall_after', w.stall_after || '30m', 'e.g. 30m');
    const close = durationInput('auto_close_after', w.auto_close_after || '72h', 'e.g. 72h');
    const calendar = calendarSelect(calendars, w.calendar_id);
    const form = queues.length
      ? resourceForm(page, { noun: 'work stream', path: '/workstreams',
        fields: [field('Work stream name', name), field('Channel', channel), field('Default queue', queue), field('Mode', mode), field('Assignment', method),
          field('Capacity used', capacity, 'of an agent\'s capacity, per conversation'), field('Offer timeout', offer, 'an offer waits this long for an answer'),
          field('Requeue after', requeue, 'unanswered in a queue this long: routed again'), field('Stalled after', stall, 'no message this long: stalled'),
          field('Auto-close after', close, 'no message this long: closed'),
          field('Calendar', calendar, 'while it is closed, conversations wait in a queue that keeps no calendar of its own')],
        body: () => ({ name: name.value, ...(page.editing ? {} : { channel: channel.value }), default_queue_id: queue.value, mode: mode.value,
          assignment_method: method.value, capacity: Number(capacity.value), offer_timeout: offer.value, requeue_after: requeue.value,
          stall_after: stall.value, auto_close_after: close.value, calendar_id: calendar.value }) })
      : h('p', { class: 'notice' }, 'Create a queue first: a work stream needs a default queue. ', h('a', { href: '#/queues' }, 'Queues'));
    return {
      columns: ['Name', 'Channel', 'Mode', 'Default queue', 'Assignment', 'Offer timeout', 'Calendar', 'Rules', ''],
      rows: streams.map(x => [x.name, x.channel, x.mode, queueName(x.default_queue_id), x.assignment_method.replace('_', ' '), x.offer_timeout,
        nameOf(calendars)(x.calendar_id) || 'None',
        h('a', { href: '#/rules/' + x.id }, 'Edit rules'), rowActions(page, 'work stream', x, '/workstreams')]),
      form,
    };
  });
}

export function agentsPage({ main }) {
  return adminPage(main, 'Agents', async (page) => {
    const [agents, queues] = await Promise.all([list('/agents'), list('/queues')]);
    const queueName = nameOf(queues);
    const a = page.editing;
    const name = nameInput(a ? a.name : '');
    const capacity = h('input', { name: 'capacity', type: 'number', min: 1, value: a ? a.capacity : 10 });
    const boxes = queues.map(q => h('input', { type: 'checkbox', name: 'queue_ids', value: q.id, id: 'aq-' + q.id, checked: !!a && (a.queue_ids || []).includes(q.id) }));
    const queueField = h('fieldset', { class: 'field' }, h('legend', {}, 'Queues'),
      queues.map((q, i) => h('span', { class: 'inline' }, boxes[i], h('label', { for: 'aq-' + q.id }, q.name))));
    return {
      columns: ['Name', 'Presence', 'Capacity', 'Queues', ''],
      rows: agents.map(x => [x.name, x.presence, String(x.capacity), (x.queue_ids || []).map(queueName).join(', '), rowActions(page, 'agent', x, '/agents')]),
      form: resourceForm(page, { noun: 'agent', path: '/agents', shown: tokenNotice,
        fields: [field('Agent name', name), field('Capacity', capacity, 'how much work at once: each conversation uses its work stream\'s capacity'), queueField],
        body: () => ({ name: name.value, capacity: Number(capacity.value), queue_ids: boxes.filter(b => b.checked).map(b => b.value) }) }),
    };
  });
}

export function keysPage({ main }) {
  return adminPage(main, 'API keys', async (page) => {
    const [keys, agents] = await Promise.all([list('/keys'), list('/agents')]);
    const name = nameInput();
    const role = select({ name: 'role' }, [['analyst', 'Analyst'], ['admin', 'Admin'], ['agent', 'Agent']], 'analyst');
    const agent = select({ name: 'agent_id' }, [['', '— none —'], ...agents.map(a => [a.id, a.name])], '');
    return {
      columns: ['Name', 'Role', 'Agent', 'Created', 'Revoked', ''],
      rows: keys.map(k => [k.name, k.role, nameOf(agents)(k.agent_id), when(k.created_at), k.revoked_at ? when(k.revoked_at) : '',
        k.revoked_at ? '' : h('button', { type: 'button', class: 'small', onclick: async () => {
          if (!confirm(`Revoke the key “${k.name}”?`)) return;
          try { await call('DELETE', '/keys/' + k.id); await page.reload(); } catch (err) { toast(err.message); }
        } }, 'Revoke')]),
      form: resourceForm({ ...page, editing: null }, { noun: 'API key', path: '/keys', shown: tokenNotice,
        fields: [field('Key name', name), field('Role', role), field('Agent (for the agent role)', agent)],
        body: () => ({ name: name.value, role: role.value, agent_id: agent.value || undefined }) }),
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
  return adminPage(main, 'Web chat', async (page) => {
    const [widgets, streams] = await Promise.all([list('/webchat/widgets'), list('/workstreams')]);
    const chat = streams.filter(w => w.channel === 'webchat');
    const x = page.editing;
    const name = nameInput(x ? x.name : '');
    const stream = select({ name: 'work_stream', required: true }, chat.map(w => [w.id, w.name]), x ? x.work_stream_id : undefined);
    const form = chat.length
      ? resourceForm(page, { noun: 'widget', path: '/webchat/widgets', shown: secretNotice,
        fields: [field('Widget name', name), field('Work stream', stream)], body: () => ({ name: name.value, work_stream_id: stream.value }) })
      : h('p', { class: 'notice' }, 'Create a work stream of the web-chat channel first: a widget\'s visitors are routed by its rules. ', h('a', { href: '#/workstreams' }, 'Work streams'));
    return {
      columns: ['Widget', 'Work stream', 'Relay messages to', 'State', ''],
      rows: widgets.map(w => [w.name, nameOf(streams)(w.work_stream_id), h('span', {}, h('code', {}, w.messages_path), ' ', copyButton(w.messages_path)), w.status,
        h('div', { class: 'actions tight' },
          h('button', { type: 'button', class: 'small', onclick: async () => {
            if (!confirm(`Give “${w.name}” a new secret? The old one stops working at once.`)) return;
            try { await page.reload(secretNotice(await call('POST', `/webchat/widgets/${w.id}/secret`))); } catch (err) { toast(err.message); }
          } }, 'New secret'),
          rowActions(page, 'widget', w, '/webchat/widgets'))]),
      form,
    };
  });
}
