// A work stream's rule-set versions: who made each and when, a diff between
// any two (rules added, removed, moved and changed, side by side), and
// restore, which makes a new version equal to an old one.

import { call, list } from './api.js';
import { h, mount, field, select, toast, errorBox, when } from './dom.js';

// versionsCard renders the versions of ws into el; restored() runs after a
// restore so that the page shows the rules again.
export async function versionsCard(el, ws, queueName, restored) {
  const versions = await list(`/workstreams/${ws.id}/rules/versions`);
  if (!versions.length) {
    mount(el, h('h2', { id: 'versions-h' }, 'Versions'), h('p', { class: 'muted' }, 'No rule-set version yet: each change to the rules makes one.'));
    return;
  }
  const current = versions[0].number;
  const options = versions.map(v => [String(v.number), `Version ${v.number}${v.number === current ? ' (current)' : ''}`]);
  const from = select({ name: 'diff_from' }, options, String(versions[1] ? versions[1].number : current));
  const to = select({ name: 'diff_to' }, options, String(current));
  const out = h('div', { class: 'diff', 'aria-live': 'polite' });

  const restore = async (v) => {
    if (!confirm(`Make a new version equal to version ${v.number}? The rules change at once.`)) return;
    try {
      const res = await call('POST', `/workstreams/${ws.id}/rules/versions/${v.number}/restore`);
      toast(`Version ${v.number} restored as version ${res.number}`);
      await restored();
    } catch (err) { toast(err.message); }
  };

  const compare = async () => {
    try {
      const [a, b] = await Promise.all([from.value, to.value].map(n => call('GET', `/workstreams/${ws.id}/rules/versions/${n}`)));
      mount(out, diffTable(a, b, queueName));
    } catch (err) { mount(out, errorBox(err)); }
  };

  mount(el, h('h2', { id: 'versions-h' }, 'Versions'),
    h('table', { class: 'versions' }, h('thead', {}, h('tr', {}, ['Version', 'When', 'By', 'What changed', 'Rules', ''].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, versions.map(v => h('tr', {},
        h('td', {}, String(v.number)), h('td', {}, when(v.at)), h('td', {}, v.author), h('td', {}, v.summary), h('td', {}, String(v.rule_count)),
        h('td', {}, v.number === current ? h('span', { class: 'muted small' }, 'current')
          : h('button', { type: 'button', class: 'small', 'aria-label': `Restore version ${v.number}`, onclick: () => restore(v) }, 'Restore')))))),
    h('form', { class: 'row', onsubmit: (e) => { e.preventDefault(); compare(); } },
      field('Compare', from), field('with', to), h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Show the differences'))),
    out);
}

// diffTable shows what changed from version a to version b, rule by rule.
function diffTable(a, b, queueName) {
  const before = new Map(a.rules.map((r, i) => [r.id, { r, i }]));
  const after = new Map(b.rules.map((r, i) => [r.id, { r, i }]));
  const rows = [];
  const hasPriority = (r) => r.priority !== null && r.priority !== undefined;
  const describe = (r) => h('div', {}, h('strong', {}, r.name), ' → ', queueName(r.queue_id), hasPriority(r) ? ` · priority ${r.priority}` : '',
    r.enabled ? '' : ' (disabled)', h('br'), h('code', {}, r.condition));
  for (const [id, { r, i }] of after) {
    const old = before.get(id);
    if (!old) { rows.push(['added', r.name, h('span', { class: 'muted' }, '—'), describe(r)]); continue; }
    const changes = [];
    if (old.r.name !== r.name) changes.push('renamed');
    if (old.r.condition !== r.condition) changes.push('condition');
    if (old.r.queue_id !== r.queue_id) changes.push('queue');
    if ((hasPriority(old.r) ? old.r.priority : null) !== (hasPriority(r) ? r.priority : null)) changes.push('priority');
    if (old.r.enabled !== r.enabled) changes.push(r.enabled ? 'enabled' : 'disabled');
    if (old.i !== i) changes.push(`moved ${old.i + 1} → ${i + 1}`);
    if (changes.length) rows.push([changes.join(', '), r.name, describe(old.r), describe(r)]);
  }
  for (const [id, { r }] of before) if (!after.has(id)) rows.push(['removed', r.name, describe(r), h('span', { class: 'muted' }, '—')]);
  if (!rows.length) return h('p', { class: 'muted' }, `Versions ${a.number} and ${b.number} have the same rules in the same order.`);
  return h('table', { class: 'difftable' }, h('caption', {}, `From version ${a.number} to version ${b.number}`),
    h('thead', {}, h('tr', {}, ['Change', 'Rule', `Version ${a.number}`, `Version ${b.number}`].map(t => h('th', { scope: 'col' }, t)))),
    h('tbody', {}, rows.map(([change, name, x, y]) => h('tr', { class: 'c-' + change.split(/[ ,]/)[0] }, h('td', {}, change), h('td', {}, name), h('td', {}, x), h('td', {}, y)))));
}
