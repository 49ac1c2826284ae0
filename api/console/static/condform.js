// The structured-condition form: attribute, operator and value per row, in
// "all of these" or "any of these" groups that may nest, for analysts who
// prefer it to writing the text. It edits the same structured conditions a
// rule request takes (the API turns them into text and back).

import { h, mount, select } from './dom.js';

// fromConditions turns a rule's conditions ({all: […]} or {any: […]}) into
// the form's model; an empty rule is one empty row.
export function fromConditions(g) {
  if (!g || (!g.all && !g.any)) return { kind: 'all', items: [{ attribute: '', operator: '', value: undefined }] };
  const kind = g.all ? 'all' : 'any';
  return { kind, items: g[kind].map(c => (c.all || c.any ? fromConditions(c) : { attribute: c.attribute, operator: c.operator, value: c.value })) };
}

// toConditions turns the model back into a rule's conditions.
export function toConditions(m) {
  return { [m.kind]: m.items.map(i => (i.items ? toConditions(i) : (i.value === undefined
    ? { attribute: i.attribute, operator: i.operator } : { attribute: i.attribute, operator: i.operator, value: i.value }))) };
}

// conditionForm renders the model into el; changed() runs after each edit.
export function conditionForm(el, model, catalogue, changed) {
  const typeOf = new Map(catalogue.fields.map(f => [f.path, f.type]));
  const exampleOf = new Map(catalogue.fields.map(f => [f.path, f.example]));
  const opsFor = (type) => catalogue.operators.filter(o => o.types.includes(type));
  const valueKind = (op) => (catalogue.operators.find(o => o.name === op) || {}).value || '';
  const edit = () => { render(); changed(); };

  // valueControl is the value's input for the row's attribute and operator.
  function valueControl(row, label) {
    const type = typeOf.get(row.attribute) || 'text';
    const kind = valueKind(row.operator);
    const number = type === 'number';
    const parse = (s) => (number && s.trim() !== '' && !isNaN(Number(s)) ? Number(s) : s);
    if (!row.operator || kind === '') return null;
    if (kind === 'a list of two numbers') {
      const [lo, hi] = Array.isArray(row.value) ? row.value : [undefined, undefined];
      const set = (i) => (e) => { const v = Array.isArray(row.value) ? [...row.value] : [undefined, undefined]; v[i] = parse(e.target.value); row.value = v; changed(); };
      return h('span', { class: 'between' },
        h('input', { type: 'number', step: 'any', value: lo ?? '', 'aria-label': label + ' from', oninput: set(0) }), ' and ',
        h('input', { type: 'number', step: 'any', value: hi ?? '', 'aria-label': label + ' to', oninput: set(1) }));
    }
    if (kind === 'a list of values') {
      return h('input', { value: Array.isArray(row.value) ? row.value.join(', ') : '', 'aria-label': label + ' (separated by commas)',
        placeholder: exampleOf.get(row.attribute) || '', oninput: (e) => { row.value = e.target.value.split(',').map(s => s.trim()).filter(Boolean).map(parse); changed(); } });
    }
    if (type === 'yes/no') {
      if (row.value === undefined) row.value = true;
      return select({ 'aria-label': label, onchange: (e) => { row.value = e.target.value === 'true'; changed(); } }, [['true', 'yes'], ['false', 'no']], String(row.value));
    }
    return h('input', { type: number ? 'number' : 'text', step: number ? 'any' : null, value: row.value ?? '', 'aria-label': label,
      placeholder: type === 'time' ? '2026-12-07T09:00:00Z' : (exampleOf.get(row.attribute) || ''), oninput: (e) => { row.value = parse(e.target.value); changed(); } });
  }

  function rowEl(group, row, i, path) {
    const name = `${path}condition ${i + 1}`;
    const type = typeOf.get(row.attribute);
    const attr = select({ 'aria-label': 'Attribute of ' + name, onchange: (e) => {
      row.attribute = e.target.value;
      // The operator stays when it applies to the new attribute's type.
      if (!opsFor(typeOf.get(row.attribute)).some(o => o.name === row.operator)) row.operator = '';
      row.value = undefined;
      edit();
    } }, [['', 'Choose an attribute…'], ...catalogue.fields.map(f => [f.path, f.path])], row.attribute);
    const op = select({ 'aria-label': 'Operator of ' + name, disabled: !type, onchange: (e) => {
      const before = valueKind(row.operator);
      row.operator = e.target.value;
      if (valueKind(row.operator) !== before) row.value = undefined;
      edit();
    } }, [['', 'operator…'], ...(type ? opsFor(type).map(o => [o.name, o.name]) : [])], row.operator);
    return h('div', { class: 'condrow' }, attr, op, valueControl(row, 'Value of ' + name),
      h('button', { type: 'button', class: 'small', 'aria-label': 'Remove ' + name, disabled: group.items.length === 1 && !path,
        onclick: () => { group.items.splice(i, 1); edit(); } }, '✕'));
  }

  function groupEl(group, parent, index, path) {
    const kind = select({ 'aria-label': `Match ${path || 'the rule'}`, onchange: (e) => { group.kind = e.target.value; edit(); } },
      [['all', 'all of these'], ['any', 'any of these']], group.kind);
    return h('fieldset', { class: 'condgroup' + (parent ? ' nested' : '') },
      h('legend', {}, 'Match ', kind),
      group.items.map((item, i) => (item.items ? groupEl(item, group, i, `${path}group ${i + 1}, `) : rowEl(group, item, i, path))),
      h('div', { class: 'actions tight' },
        h('button', { type: 'button', class: 'small', onclick: () => { group.items.push({ attribute: '', operator: '', value: undefined }); edit(); } }, 'Add a condition'),
        h('button', { type: 'button', class: 'small', onclick: () => { group.items.push({ kind: group.kind === 'all' ? 'any' : 'all', items: [{ attribute: '', operator: '', value: undefined }] }); edit(); } }, 'Add a group'),
        parent ? h('button', { type: 'button', class: 'small', onclick: () => { parent.items.splice(index, 1); edit(); } }, 'Remove this group') : null));
  }

  function render() { mount(el, groupEl(model, null, 0, '')); }
  render();
}
