// Small DOM helpers: elements are built with text nodes, never from HTML
// strings, so nothing the API returns can become markup.

// h builds an element: attrs sets properties (on* are listeners, class and
// for are attributes), children are nodes, strings or arrays of them.
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class' || k === 'for' || k.startsWith('aria-') || k.startsWith('data-') || k === 'role') el.setAttribute(k, v === true ? '' : v);
    else el[k] = v;
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// mount replaces the children of el.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

let uid = 0;
// field is a labelled control: a <label> bound to the control by id.
export function field(label, control, help) {
  if (!control.id) control.id = 'f' + (++uid);
  return h('div', { class: 'field' }, h('label', { for: control.id }, label), control, help ? h('p', { class: 'help' }, help) : null);
}

// select builds a <select> of [value, text] options.
export function select(attrs, options, selected) {
  return h('select', attrs, options.map(([v, t]) => h('option', { value: v, selected: v === selected }, t)));
}

// toast shows a short message to screen readers and sighted users alike.
export function toast(text) {
  const t = document.getElementById('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => { t.hidden = true; }, 4000);
}

// copyButton copies text to the clipboard.
export function copyButton(text) {
  return h('button', { type: 'button', class: 'small', onclick: async () => {
    try { await navigator.clipboard.writeText(text); toast('Copied'); } catch { toast('Copying is not allowed here; select the text instead'); }
  } }, 'Copy');
}

// errorText is an API error as one line a person can read.
export function errorText(err) {
  return err && err.message ? err.message : String(err);
}

// errorBox shows an error with its details, or nothing.
export function errorBox(err) {
  if (!err) return null;
  const details = (err.details || []).map(d => h('li', {}, [d.field, d.message].filter(Boolean).join(': ')));
  return h('div', { class: 'error', role: 'alert' }, errorText(err), details.length ? h('ul', {}, details) : null);
}

// when formats an RFC 3339 time for people.
export function when(ts) {
  if (!ts) return '';
  const d = new Date(ts);
  return isNaN(d) ? ts : d.toLocaleString();
}

// redraw replaces the children of el as mount does, keeping what a person
// was writing in its forms: the values they typed or chose (each control
// found again by its name and the labelled section it is in) and the focus
// and caret. A page that refreshes itself draws with it, so that a
// half-written form is not taken away every few seconds.
const watched = new WeakSet();
export function redraw(el, ...children) {
  if (!watched.has(el)) {
    watched.add(el);
    const mark = (e) => { if (e.target.name) e.target.dataset.typed = '1'; };
    el.addEventListener('input', mark, true);
    el.addEventListener('change', mark, true);
  }
  const keyOf = (c) => {
    const section = c.closest('[aria-label]');
    return (section ? section.getAttribute('aria-label') : '') + '\u0000' + (c.form && c.form.getAttribute('aria-label') || '') + '\u0000' + c.name;
  };
  const controls = () => el.querySelectorAll('form input[name], form textarea[name], form select[name]');
  const typed = new Map();
  for (const c of controls()) if (c.dataset.typed) typed.set(keyOf(c), c);
  const active = document.activeElement;
  const focused = active && active.name && el.contains(active) ? keyOf(active) : null;
  const caret = focused && typeof active.selectionStart === 'number' ? [active.selectionStart, active.selectionEnd] : null;
  mount(el, ...children);
  for (const c of controls()) {
    const key = keyOf(c);
    const old = typed.get(key);
    if (old) {
      if (c.type === 'checkbox' || c.type === 'radio') c.checked = old.checked;
      else c.value = old.value;
      c.dataset.typed = '1';
    }
    if (key === focused) {
      c.focus();
      if (caret) try { c.setSelectionRange(caret[0], caret[1]); } catch { /* a field without a caret */ }
    }
  }
}
