// The audit log, for admins: who changed what and when, newest first,
// filtered by kind of resource, older entries a page at a time.

import { call } from './api.js';
import { h, mount, field, select, errorBox, when } from './dom.js';

const kinds = [['', 'Everything'], ['rule', 'Rules'], ['rule_set', 'Rule sets'], ['work_stream', 'Work streams'], ['queue', 'Queues'],
  ['agent', 'Agents'], ['api_key', 'API keys'], ['message', 'Messages'],
  ['twitter_application', 'Twitter applications'], ['twitter_handle', 'Twitter handles'], ['endpoint', 'Other channels\' endpoints']];

export async function auditPage({ main }) {
  const kind = select({ name: 'resource' }, kinds, '');
  const actor = h('input', { name: 'actor', autocomplete: 'off', placeholder: 'an API key name' });
  const body = h('tbody');
  const more = h('div', { class: 'actions' });
  const err = h('div');
  let cursor = '';

  async function page(first) {
    const q = new URLSearchParams({ limit: '50' });
    if (kind.value) q.set('resource', kind.value);
    if (actor.value.trim()) q.set('actor', actor.value.trim());
    if (!first && cursor) q.set('cursor', cursor);
    let res;
    try { res = await call('GET', '/audit?' + q); mount(err); } catch (e) { mount(err, errorBox(e)); return; }
    if (first) mount(body);
    for (const e of res.items) {
      body.append(h('tr', {}, h('td', {}, when(e.at)), h('td', {}, e.actor), h('td', {}, e.action),
        h('td', {}, e.resource.replace(/_/g, ' '), h('br'), h('code', { class: 'small' }, e.resource_id)), h('td', {}, e.summary)));
    }
    if (first && !res.items.length) body.append(h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Nothing recorded yet.')));
    cursor = res.next_cursor || '';
    mount(more, cursor ? h('button', { type: 'button', onclick: () => page(false) }, 'Older entries') : null);
  }

  mount(main, h('h1', {}, 'Audit log'),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); page(true); } },
      field('Resource', kind), field('Changed by', actor), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show'))),
    err,
    h('table', { class: 'audit' }, h('thead', {}, h('tr', {}, ['When', 'Who', 'Action', 'Resource', 'What changed'].map(t => h('th', { scope: 'col' }, t)))), body),
    more);
  kind.addEventListener('change', () => page(true));
  await page(true);
}
