// The analyst's rule workbench: a work stream's ordered rules (drag a row,
// or its arrow buttons, to reorder), a condition editor with autocompletion
// that the API checks as one types, the static checks' warnings, a test
// panel that explains how a context would be routed, and the rule set's
// versions with their differences.

import { call, list } from './api.js';
import { h, mount, field, select, toast, errorBox } from './dom.js';
import { withSuggestions } from './suggest.js';
import { conditionForm, fromConditions, toConditions } from './condform.js';
import { testPanel } from './ruletest.js';
import { versionsCard } from './versions.js';

export async function rulesPage({ main, args }) {
  const [streams, queues, catalogue] = await Promise.all([list('/workstreams'), list('/queues'), call('GET', '/rules/fields')]);
  if (!streams.length) {
    mount(main, h('h1', {}, 'Rules'), h('p', {}, 'There is no work stream yet. ', h('a', { href: '#/workstreams' }, 'Create one'), ' first.'));
    return;
  }
  const state = { ws: streams.find(w => w.id === args[0]) || streams[0], rules: [], warnings: [], editing: null };
  const queueName = (id) => (queues.find(q => q.id === id) || {}).name || id;

  const wsSel = select({ name: 'work_stream', onchange: () => { location.hash = '#/rules/' + wsSel.value; } },
    streams.map(w => [w.id, w.name]), state.ws.id);
  const rulesEl = h('section', { 'aria-labelledby': 'rules-h' });
  const editorEl = h('section', { class: 'card', 'aria-labelledby': 'editor-h' });
  const testEl = h('section', { class: 'card', 'aria-labelledby': 'test-h' });
  const versionsEl = h('section', { class: 'card', 'aria-labelledby': 'versions-h' });
  mount(main, h('div', { class: 'pagehead' }, h('h1', {}, 'Rules'), field('Work stream', wsSel)),
    rulesEl, h('div', { class: 'two' }, editorEl, testEl), versionsEl);

  // load shows the rules and the versions again after a change.
  async function load() {
    // The warnings are read with the rules, so that they are those of the
    // rules shown, whoever changed them last.
    const [rules, checks] = await Promise.all([list(`/workstreams/${state.ws.id}/rules`),
      call('GET', `/workstreams/${state.ws.id}/rules/warnings`)]);
    state.rules = rules;
    state.warnings = checks.warnings;
    state.rules.sort((a, b) => a.position - b.position);
    renderRules();
    await versionsCard(versionsEl, state.ws, queueName, load).catch(err => mount(versionsEl, errorBox(err)));
  }

  // reorder saves the rules in the order of ids.
  async function reorder(ids) {
    try {
      const res = await call('PUT', `/workstreams/${state.ws.id}/rules/order`, { rule_ids: ids });
      toast(`Order saved: rule set version ${res.number}`);
    } catch (err) { toast(err.message); }
    await load();
  }

  function renderRules() {
    const warningsOf = (id) => state.warnings.filter(w => w.rule_id === id);
    const move = (i, d) => {
      const ids = state.rules.map(r => r.id);
      [ids[i], ids[i + d]] = [ids[i + d], ids[i]];
      return reorder(ids);
    };
    // Dragging a row onto another puts it in that row's place.
    let dragged = -1;
    const drop = (i) => {
      if (dragged < 0 || dragged === i) return;
      const ids = state.rules.map(r => r.id);
      const [id] = ids.splice(dragged, 1);
      ids.splice(i, 0, id);
      dragged = -1;
      reorder(ids);
    };
    const rows = state.rules.map((r, i) => h('tr', { draggable: 'true', 'data-rule': r.name,
      ondragstart: (e) => { dragged = i; e.dataTransfer.effectAllowed = 'move'; e.dataTransfer.setData('text/plain', r.name); e.currentTarget.classList.add('dragging'); },
      ondragend: (e) => { e.currentTarget.classList.remove('dragging'); },
      ondragover: (e) => { if (dragged >= 0) { e.preventDefault(); e.currentTarget.classList.add('drop'); } },
      ondragleave: (e) => { e.currentTarget.classList.remove('drop'); },
      ondrop: (e) => { e.preventDefault(); e.currentTarget.classList.remove('drop'); drop(i); } },
      h('td', { class: 'grip', title: 'Drag to reorder' }, '⠿ ', String(i + 1)),
      h('td', {}, r.name, warningsOf(r.id).map(w => h('p', { class: 'warning' }, '⚠ ', w.message))),
      h('td', {}, h('code', {}, r.condition)),
      h('td', {}, queueName(r.queue_id)),
      h('td', {}, r.priority === null || r.priority === undefined ? h('span', { class: 'muted' }, 'kept') : String(r.priority)),
      h('td', {}, h('input', { type: 'checkbox', checked: r.enabled, 'aria-label': 'Enabled: ' + r.name, onchange: async (e) => {
        try {
          await call('PATCH', `/workstreams/${state.ws.id}/rules/${r.id}`, { enabled: e.target.checked });
          await load();
        } catch (err) { toast(err.message); }
      } })),
      h('td', {}, h('div', { class: 'actions tight' },
        h('button', { type: 'button', class: 'small', disabled: i === 0, 'aria-label': 'Move up: ' + r.name, onclick: () => move(i, -1) }, '↑'),
        h('button', { type: 'button', class: 'small', disabled: i === state.rules.length - 1, 'aria-label': 'Move down: ' + r.name, onclick: () => move(i, 1) }, '↓'),
        h('button', { type: 'button', class: 'small', 'aria-label': 'Edit: ' + r.name, onclick: () => { state.editing = r; renderEditor(); } }, 'Edit'),
        h('button', { type: 'button', class: 'small', 'aria-label': 'Delete: ' + r.name, onclick: async () => {
          if (!confirm(`Delete the rule “${r.name}”?`)) return;
          try {
            await call('DELETE', `/workstreams/${state.ws.id}/rules/${r.id}`);
            if (state.editing && state.editing.id === r.id) { state.editing = null; renderEditor(); }
            toast(`Deleted “${r.name}”`);
          } catch (err) { toast(err.message); }
          await load();
        } }, 'Delete')))));
    const general = state.warnings.filter(w => !w.rule_id);
    mount(rulesEl, h('h2', { id: 'rules-h' }, `Routing rules of ${state.ws.name}`),
      h('p', { class: 'help' }, 'The first rule that matches routes the conversation; when none matches it goes to ', queueName(state.ws.default_queue_id), '.'),
      general.map(w => h('p', { class: 'warning' }, '⚠ ', w.message)),
      rows.length ? h('table', { class: 'rules' }, h('thead', {}, h('tr', {}, ['#', 'Name', 'Condition', 'Queue', 'Priority', 'Enabled', ''].map(t => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))
        : h('p', { class: 'muted' }, 'No rules yet: every conversation goes to the default queue.'));
  }

  function renderEditor() {
    const r = state.editing;
    const name = h('input', { name: 'rule_name', value: r ? r.name : '', required: true });
    const cond = h('textarea', { name: 'condition', rows: 3, spellcheck: false, class: 'code', value: r ? r.condition : '', 'aria-describedby': 'cond-check' });
    const queue = select({ name: 'rule_queue' }, queues.map(q => [q.id, q.name]), r ? r.queue_id : state.ws.default_queue_id);
    const enabled = h('input', { type: 'checkbox', name: 'enabled', checked: r ? r.enabled : true });
    const priority = h('input', { type: 'number', name: 'priority', min: 0, max: 1000, step: 1, inputMode: 'numeric', size: 5,
      value: r && r.priority !== null && r.priority !== undefined ? String(r.priority) : '' });
    const suggestions = withSuggestions(cond, catalogue);
    const check = h('div', { id: 'cond-check', class: 'check', 'aria-live': 'polite' });
    const saveErr = h('div');
    let seq = 0, timer = null;
    const validate = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++seq;
        if (!cond.value.trim()) { mount(check); return; }
        const rule = { name: name.value || 'draft', condition: cond.value, queue_id: queue.value, enabled: true };
        try {
          await call('POST', `/workstreams/${state.ws.id}/rules/test`, { context: {}, rules: [rule] });
          if (mine === seq) mount(check, h('p', { class: 'ok' }, '✓ The condition is valid.'));
        } catch (err) {
          if (mine === seq) mount(check, problems(err, cond.value));
        }
      }, 250);
    };
    cond.addEventListener('input', validate);

    // The condition is written as text or built with the form; the API
    // turns the one into the other, so switching keeps the rule.
    let mode = 'text', model = null;
    const formEl = h('div', { class: 'condform' });
    const preview = h('p', { class: 'preview', 'aria-live': 'polite' });
    const textPart = h('div', {}, field('Condition', cond), suggestions,
      h('p', { class: 'help' }, 'For example: Customer.FollowersCount > 10000 && Message.Text contains "refund". Start a name to see the fields.'));
    const formPart = h('div', { hidden: true }, formEl, preview);
    const formChanged = () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const mine = ++seq;
        try {
          const res = await call('POST', '/rules/conditions', { conditions: toConditions(model) });
          if (mine !== seq) return;
          cond.value = res.condition;
          mount(preview, 'As text: ', h('code', {}, res.condition));
          mount(check, h('p', { class: 'ok' }, '✓ The conditions are valid.'));
        } catch (err) {
          if (mine !== seq) return;
          mount(preview);
          mount(check, err.status === 422 ? formProblems(err) : errorBox(err));
        }
      }, 250);
    };
    const radios = {};
    const showForm = (conditions) => {
      model = fromConditions(conditions);
      conditionForm(formEl, model, catalogue, formChanged);
      formChanged();
    };
    const switchTo = async (m) => {
      if (m === mode) return;
      if (m === 'form') {
        if (!cond.value.trim()) showForm(null);
        else {
          try {
            showForm((await call('POST', '/rules/conditions', { condition: cond.value })).conditions);
          } catch (err) {
            // The text stays: say where the form cannot follow it.
            radios.text.checked = true;
            mount(check, err.status === 422 ? problems(err, cond.value) : errorBox(err));
            return;
          }
        }
      }
      mode = m;
      textPart.hidden = m !== 'text';
      formPart.hidden = m !== 'form';
      if (m === 'text') validate();
    };
    const choice = (value, label) => {
      radios[value] = h('input', { type: 'radio', name: 'cond_mode', value, id: 'cond-' + value, checked: value === 'text', onchange: () => switchTo(value) });
      return h('span', { class: 'inline' }, radios[value], h('label', { for: 'cond-' + value }, label));
    };

    const form = h('form', { onsubmit: async (e) => {
      e.preventDefault();
      const body = { name: name.value, queue_id: queue.value, enabled: enabled.checked,
        priority: priority.value.trim() === '' ? null : Number(priority.value),
        ...(mode === 'form' ? { conditions: toConditions(model) } : { condition: cond.value }) };
      try {
        const res = r ? await call('PATCH', `/workstreams/${state.ws.id}/rules/${r.id}`, body)
          : await call('POST', `/workstreams/${state.ws.id}/rules`, body);
        state.editing = null;
        toast(`Saved “${res.name}”: rule set version ${res.version}`);
        // A fresh editor at once, before the rules reload, so that what one
        // starts typing next is not replaced under one's hands.
        renderEditor();
        await load();
      } catch (err) { mount(saveErr, err.status === 422 ? problems(err, cond.value) : errorBox(err)); }
    } },
    h('h2', { id: 'editor-h' }, r ? `Edit “${r.name}”` : 'New rule'),
    field('Name', name),
    h('fieldset', { class: 'modes' }, h('legend', {}, 'Write the condition as'), choice('text', 'Text'), choice('form', 'Form')),
    textPart,
    formPart,
    check,
    field('Queue', queue),
    field('Priority', priority, '0 to 1000: among those waiting, higher is offered first. Empty keeps the conversation\'s priority.'),
    h('div', { class: 'field inline' }, enabled, h('label', { for: enabled.id = 'rule-enabled' }, 'Enabled')),
    saveErr,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, r ? 'Save rule' : 'Add rule'),
      r ? h('button', { type: 'button', onclick: () => { state.editing = null; renderEditor(); } }, 'Cancel') : null));
    mount(editorEl, form);
    if (r && r.conditions) {
      // A rule built with the form opens in the form.
      radios.form.checked = true;
      mode = 'form';
      textPart.hidden = true;
      formPart.hidden = false;
      showForm(r.conditions);
    } else if (r) validate();
  }

  await load();
  renderEditor();
  testPanel(testEl, { ws: state.ws, catalogue, queueName, problems });
}

// formProblems shows a 422 of the form's conditions: which condition (by
// its place, "condition 2" or "group 1, condition 2") and what is wrong.
function formProblems(err) {
  const details = err.details || [];
  if (!details.length) return errorBox(err);
  return h('div', { class: 'error', role: 'alert' }, details.map(d => {
    const places = [...(d.path || '').matchAll(/(?:all|any)\[(\d+)\]/g)].map(m => Number(m[1]) + 1);
    const part = (d.path || '').split('.').pop().replace(/\[\d+\]$/, '');
    const where = places.map((n, i) => (i < places.length - 1 ? `group ${n}` : `condition ${n}`)).join(', ');
    return h('div', { class: 'problem' },
      h('p', {}, where ? h('strong', {}, `In ${where}${['attribute', 'operator', 'value'].includes(part) ? ' (' + part + ')' : ''}: `) : null, d.message),
      d.hint ? h('p', { class: 'hint' }, 'Hint: ', d.hint) : null);
  }));
}

// problems shows a 422's details: where (line and column) under the text
// of that line with a caret, what is wrong, and the hint.
function problems(err, text) {
  const lines = text.split('\n');
  const details = err.details || [];
  if (!details.length || !details.some(d => d.line)) return errorBox(err);
  return h('div', { class: 'error', role: 'alert' }, details.map(d => {
    // The API's snippet is the line with a caret under the column; make one when it sends none.
    const src = lines[d.line - 1] || '';
    const snippet = d.snippet || (src ? src + '\n' + ' '.repeat(Math.max(0, d.column - 1)) + '^' : '');
    return h('div', { class: 'problem' },
      h('p', {}, h('strong', {}, `Line ${d.line}, column ${d.column}: `), d.message),
      snippet ? h('pre', { class: 'caret', 'aria-hidden': 'true' }, snippet) : null,
      d.hint ? h('p', { class: 'hint' }, 'Hint: ', d.hint) : null);
  }));
}
