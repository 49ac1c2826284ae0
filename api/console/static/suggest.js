// Autocompletion for a condition's text: as one types a name, the rule
// language's fields and functions that begin with it are offered in a list
// (arrow keys to move, Enter or Tab to take one, Escape to close), following
// the ARIA combobox pattern so that screen readers announce them.

import { h, mount } from './dom.js';

let uid = 0;

// withSuggestions wires autocompletion from the catalogue (GET /rules/fields)
// into a textarea, and returns the element to put right after it.
export function withSuggestions(textarea, catalogue) {
  const listId = 'suggest-' + (++uid);
  const words = [
    ...catalogue.fields.map(f => ({ insert: f.path, label: f.path, note: f.type, doc: f.description })),
    ...catalogue.functions.map(fn => ({ insert: fn.name + '(', label: fn.usage || fn.name + '()', note: 'function', doc: fn.description })),
  ];
  const list = h('ul', { id: listId, role: 'listbox', class: 'suggest', 'aria-label': 'Suggestions', hidden: true });
  textarea.setAttribute('role', 'combobox');
  textarea.setAttribute('aria-autocomplete', 'list');
  textarea.setAttribute('aria-controls', listId);
  textarea.setAttribute('aria-expanded', 'false');
  let items = [], active = -1, word = null;

  // wordAtCaret is the name being typed, outside string literals.
  const wordAtCaret = () => {
    const before = textarea.value.slice(0, textarea.selectionStart);
    if ((before.match(/(?<!\\)"/g) || []).length % 2 === 1) return null; // inside "…"
    const m = /[A-Za-z_][A-Za-z0-9_.]*$/.exec(before);
    return m ? { start: m.index, text: m[0] } : null;
  };

  const close = () => {
    items = []; active = -1;
    list.hidden = true;
    textarea.setAttribute('aria-expanded', 'false');
    textarea.removeAttribute('aria-activedescendant');
  };

  const render = () => {
    mount(list, items.map((w, i) => h('li', { id: `${listId}-${i}`, role: 'option', class: i === active ? 'active' : null, 'aria-selected': String(i === active),
      onmousedown: (e) => { e.preventDefault(); take(i); } },
    h('code', {}, w.label), ' ', h('span', { class: 'muted small' }, w.note), w.doc ? h('span', { class: 'doc' }, w.doc) : null)));
    list.hidden = !items.length;
    textarea.setAttribute('aria-expanded', String(items.length > 0));
    if (active >= 0) textarea.setAttribute('aria-activedescendant', `${listId}-${active}`);
    else textarea.removeAttribute('aria-activedescendant');
  };

  const update = () => {
    word = wordAtCaret();
    if (!word) { close(); return; }
    const typed = word.text.toLowerCase();
    items = words.filter(w => {
      const name = w.insert.toLowerCase();
      // "Follow" finds Customer.FollowersCount as well as a prefix of the whole path does.
      return name !== typed && (name.startsWith(typed) || (!typed.includes('.') && name.split('.').pop().startsWith(typed)));
    }).slice(0, 8);
    active = items.length ? 0 : -1;
    render();
  };

  const take = (i) => {
    const w = items[i];
    if (!w || !word) return;
    const end = textarea.selectionStart;
    textarea.value = textarea.value.slice(0, word.start) + w.insert + textarea.value.slice(end);
    const caret = word.start + w.insert.length;
    textarea.setSelectionRange(caret, caret);
    close();
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
    close(); // the input event looked again; a complete name needs no list
  };

  textarea.addEventListener('input', update);
  textarea.addEventListener('blur', close);
  textarea.addEventListener('keydown', (e) => {
    if (list.hidden) return;
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      render();
    } else if ((e.key === 'Enter' || e.key === 'Tab') && active >= 0) {
      e.preventDefault();
      take(active);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      close();
    }
  });
  return list;
}
