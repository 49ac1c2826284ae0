// The rule test panel: an engagement context edited as a form (a field of
// the catalogue and its value per row) or as JSON, or a stored conversation
// of the work stream, routed by the saved rules with the explain trace.

import { call } from './api.js';
import { h, mount, field, select, errorBox, when } from './dom.js';

const example = [
  ['Customer.ScreenName', 'bigfan'],
  ['Customer.FollowersCount', 12000],
  ['Customer.Verified', false],
  ['Message.Text', 'I want a refund'],
];

// testPanel renders the panel into el; run(body) posts the test and shows
// its answer, problems(err) shows a 422.
export function testPanel(el, { ws, catalogue, queueName, problems }) {
  const types = new Map(catalogue.fields.map(f => [f.path, f.type]));
  const mode = { value: 'form' };
  const rowsEl = h('div', { class: 'ctxrows' });
  const json = h('textarea', { name: 'context', rows: 7, spellcheck: false, class: 'code' });
  const convSel = select({ name: 'conversation' }, [['', 'Loading…']], '');
  const out = h('div', { 'aria-live': 'polite' });
  const note = h('div');
  let rows = example.map(([path, value]) => ({ path, value }));

  // The context as an object, from the form's rows.
  const fromRows = () => {
    const ctx = {};
    for (const { path, value } of rows) {
      if (!path) continue;
      const parts = path.split('.');
      let o = ctx;
      for (const p of parts.slice(0, -1)) o = o[p] = o[p] || {};
      o[parts[parts.length - 1]] = value;
    }
    return ctx;
  };
  // The rows, from a context object; what the form cannot hold stays in JSON.
  const toRows = (ctx) => {
    const out = [], unknown = [];
    const walk = (o, prefix) => {
      for (const [k, v] of Object.entries(o || {})) {
        const path = prefix ? prefix + '.' + k : k;
        if (types.has(path)) out.push({ path, value: v });
        else if (v && typeof v === 'object' && !Array.isArray(v)) walk(v, path);
        else unknown.push(path);
      }
    };
    walk(ctx, '');
    return { rows: out, unknown };
  };

  // valueInput is the control of one row's value, by the field's type.
  const valueInput = (row, i) => {
    const type = types.get(row.path) || 'text';
    const label = `Value of ${row.path || 'row ' + (i + 1)}`;
    const set = (v) => { row.value = v; };
    if (type === 'yes/no') return h('input', { type: 'checkbox', checked: !!row.value, 'aria-label': label, onchange: (e) => set(e.target.checked) });
    if (type === 'number') return h('input', { type: 'number', value: row.value ?? '', 'aria-label': label, oninput: (e) => set(e.target.value === '' ? 0 : Number(e.target.value)) });
    if (type === 'list of text') {
      return h('input', { value: (row.value || []).join(', '), 'aria-label': label + ' (separated by commas)', placeholder: 'vip, press',
        oninput: (e) => set(e.target.value.split(',').map(s => s.trim()).filter(Boolean)) });
    }
    return h('input', { value: row.value ?? '', 'aria-label': label, placeholder: type === 'time' ? '2026-12-07T09:30:00Z' : '', oninput: (e) => set(e.target.value) });
  };

  const renderRows = () => {
    mount(rowsEl, rows.map((row, i) => {
      const pick = select({ 'aria-label': `Field of row ${i + 1}`, onchange: (e) => { row.path = e.target.value; row.value = undefined; renderRows(); } },
        [['', 'Choose a field…'], ...catalogue.fields.map(f => [f.path, f.path])], row.path);
      return h('div', { class: 'ctxrow' }, pick, valueInput(row, i),
        h('button', { type: 'button', class: 'small', 'aria-label': `Remove ${row.path || 'row ' + (i + 1)}`, onclick: () => { rows.splice(i, 1); renderRows(); } }, '✕'));
    }), h('button', { type: 'button', class: 'small', onclick: () => { rows.push({ path: '', value: undefined }); renderRows(); } }, 'Add a field'));
  };

  const switchTo = (m) => {
    mount(note);
    if (m === 'json' && mode.value === 'form') json.value = JSON.stringify(fromRows(), null, 2);
    if (m === 'form' && mode.value === 'json') {
      let ctx;
      try { ctx = JSON.parse(json.value || '{}'); } catch (err) {
        mount(note, h('div', { class: 'error', role: 'alert' }, 'The JSON does not parse, so the form cannot show it: ' + err.message));
        radios.json.checked = true;
        return;
      }
      const r = toRows(ctx);
      rows = r.rows;
      if (r.unknown.length) mount(note, h('p', { class: 'warning' }, '⚠ Not in the form (no such field): ', r.unknown.join(', ')));
    }
    mode.value = m;
    rowsEl.hidden = m !== 'form';
    json.parentElement.hidden = m !== 'json';
    convSel.parentElement.hidden = m !== 'conversation';
    if (m === 'form') renderRows();
  };

  const radios = {};
  const choice = (value, label) => {
    radios[value] = h('input', { type: 'radio', name: 'ctx_mode', value, id: 'ctx-' + value, checked: value === 'form', onchange: () => switchTo(value) });
    return h('span', { class: 'inline' }, radios[value], h('label', { for: 'ctx-' + value }, label));
  };

  mount(el, h('form', { onsubmit: async (e) => {
    e.preventDefault();
    let body;
    if (mode.value === 'conversation') {
      if (!convSel.value) { mount(out, h('div', { class: 'error', role: 'alert' }, 'Choose a conversation first.')); return; }
      body = { conversation_id: convSel.value };
    } else if (mode.value === 'json') {
      try { body = { context: JSON.parse(json.value) }; } catch (err) {
        mount(out, h('div', { class: 'error', role: 'alert' }, 'The context is not valid JSON: ' + err.message)); return;
      }
    } else body = { context: fromRows() };
    try {
      mount(out, trace(await call('POST', `/workstreams/${ws.id}/rules/test`, body), queueName));
    } catch (err) { mount(out, err.status === 422 ? problems(err, '') : errorBox(err)); }
  } },
  h('h2', { id: 'test-h' }, 'Test the rules'),
  h('fieldset', {}, h('legend', {}, 'Route'), choice('form', 'A context (form)'), choice('json', 'A context (JSON)'), choice('conversation', 'A stored conversation')),
  rowsEl,
  field('Engagement context (JSON)', json, 'Fields left out take their zero values.'),
  field('Conversation', convSel, 'Its context is rebuilt as routing saw it.'),
  note,
  h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Run test')), out));
  switchTo('form');

  // The work stream's newest conversations, to pick one.
  call('GET', `/conversations?work_stream_id=${ws.id}&limit=50`).then(page => {
    const items = (page && page.items) || [];
    mount(convSel, items.length ? h('option', { value: '' }, 'Choose a conversation…') : h('option', { value: '' }, 'No conversation in this work stream yet'),
      items.map(c => h('option', { value: c.id }, `${c.customer.name || c.customer.screen_name} @${c.customer.screen_name} · ${c.status} · ${when(c.created_at)}`)));
  }, err => mount(convSel, h('option', { value: '' }, 'Conversations cannot be listed: ' + err.message)));
}

// trace shows a test's decision and how each rule evaluated.
function trace(res, queueName) {
  const matched = res.matched_rule;
  return h('div', { class: 'trace' },
    h('p', { class: 'result' }, matched ? `Matched “${matched.name}” → ${queueName(res.queue_id)}${res.priority === null || res.priority === undefined ? '' : ` with priority ${res.priority}`}` : `No rule matched → ${queueName(res.queue_id)} (default queue)`),
    h('table', {}, h('caption', {}, `Trace (rule set version ${res.version})`),
      h('thead', {}, h('tr', {}, ['Rule', 'Result', 'Values'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, (res.trace || []).map(t => h('tr', {},
        h('td', {}, t.rule_name || t.rule_id),
        h('td', { class: t.error ? 'bad' : (t.result ? 'good' : '') }, t.error ? 'error: ' + t.error : (t.result ? 'true' : 'false')),
        h('td', {}, h('code', {}, Object.entries(t.values || {}).map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', '))))))));
}
