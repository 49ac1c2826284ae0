// The calendars page, for analysts and admins: each calendar with whether
// it is open now and its weekly hours, and a form to create or change one
// (a time zone, openings per day of the week, holidays). A refused field is
// marked where it is, as the API names it (hours[1].close is the closing
// time of the second opening sent), and said in a live region.

import { call, list } from './api.js';
import { h, mount, toast, errorText } from './dom.js';

const days = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const dayName = (d) => d[0].toUpperCase() + d.slice(1);
const dayShort = (d) => dayName(d).slice(0, 3);

let uid = 0;
const nextId = (p) => `${p}-${++uid}`;

// zones are the IANA time zones the browser knows, for the zone's list.
function zones() {
  try { return ['UTC', ...Intl.supportedValuesOf('timeZone').filter(z => z !== 'UTC')]; } catch { return ['UTC']; }
}

// hidden is a label for a control whose row shows its meaning, read by
// screen readers.
const hiddenLabel = (control, text) => h('label', { for: control.id, class: 'vh' }, text);

// weekly summarises a calendar's openings: days with the same hours in a
// row are one range ("Mon–Fri 09:00–17:00; Sat 10:00–14:00").
export function weekly(hours) {
  const by = Object.fromEntries(days.map(d => [d, []]));
  for (const o of hours || []) if (by[o.day]) by[o.day].push(o);
  const text = Object.fromEntries(days.map(d => [d, by[d].sort((a, b) => a.open.localeCompare(b.open)).map(o => `${o.open}–${o.close}`).join(', ')]));
  const parts = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && text[days[j + 1]] === text[days[i]]) j++;
    if (text[days[i]]) parts.push(`${dayShort(days[i])}${j > i ? '–' + dayShort(days[j]) : ''} ${text[days[i]]}`);
    i = j + 1;
  }
  return parts.length ? parts.join('; ') : 'Closed all week';
}

// opensAt is when a closed calendar opens, in its own time zone, and (in
// a second line) in the viewer's when that reads otherwise.
function opensAt(ts, zone) {
  const at = new Date(ts);
  const fmt = (timeZone, opts) => new Intl.DateTimeFormat(undefined, { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...opts }).format(at);
  const day = { weekday: 'short', day: 'numeric', month: 'short' };
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const there = fmt(zone, day);
  return [there, mine === zone || fmt(mine, day) === there ? null : `${fmt(mine, fmt(mine, day).slice(0, 3) === there.slice(0, 3) ? {} : day)} your time`];
}

function status(c) {
  if (c.open_now) return h('span', { class: 'pill p-open' }, 'Open now');
  if (!c.opens_at) return h('span', { class: 'pill p-closed' }, 'Closed — no opening within a year');
  const [there, yours] = opensAt(c.opens_at, c.time_zone);
  return [h('span', { class: 'pill p-closed' }, `Closed — opens ${there}`), yours ? h('span', { class: 'yours muted small' }, yours) : null];
}

export async function calendarsPage({ main }) {
  let editing = null; // the calendar whose edit form shows; null: the create form
  let notice = null; // an error to keep above the table (a refused delete)

  const render = async () => {
    const [cals, queues, streams] = await Promise.all([list('/calendars'), list('/queues'), list('/workstreams')]);
    const usedBy = (c) => [...queues.filter(q => q.calendar_id === c.id).map(q => `queue ${q.name}`),
      ...streams.filter(w => w.calendar_id === c.id).map(w => `work stream ${w.name}`)].join(', ');
    const form = calendarForm(editing, {
      saved: async (res) => { toast(editing ? `Saved “${res.name}”` : `Created “${res.name}”`); editing = null; notice = null; await render(); },
      cancel: async () => { editing = null; await render(); },
    });
    const noticeEl = h('div', { id: 'calendars-notice', 'aria-live': 'polite' },
      notice ? h('div', { class: 'error' }, notice) : null);
    const del = async (c) => {
      if (!confirm(`Delete the calendar “${c.name}”?`)) return;
      try {
        await call('DELETE', '/calendars/' + c.id);
        toast(`Deleted “${c.name}”`);
        notice = null;
        if (editing && editing.id === c.id) editing = null;
      } catch (err) { notice = `Not deleted: ${errorText(err)}`; }
      await render();
    };
    const table = cals.length
      ? h('table', { class: 'calendars', 'aria-labelledby': 'calendars-h' },
        h('thead', {}, h('tr', {}, ['Name', 'Time zone', 'Now', 'Weekly hours', 'Holidays', 'Used by', ''].map(c => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, cals.map(c => h('tr', { 'data-id': c.id },
          h('td', {}, c.name), h('td', {}, c.time_zone), h('td', {}, status(c)), h('td', {}, weekly(c.hours)),
          h('td', {}, c.holidays.length ? c.holidays.map(d => d.name ? `${d.date} ${d.name}` : d.date).join(', ') : 'None'),
          h('td', {}, usedBy(c) || 'Nothing'),
          h('td', {}, h('div', { class: 'actions tight' },
            h('button', { type: 'button', class: 'small', 'aria-label': `Edit ${c.name}`, onclick: () => { editing = c; notice = null; render().then(() => main.querySelector('form input').focus()); } }, 'Edit'),
            h('button', { type: 'button', class: 'small', 'aria-label': `Delete ${c.name}`, onclick: () => del(c) }, 'Delete')))))))
      : h('p', { class: 'muted' }, 'None yet.');
    mount(main, h('h1', { id: 'calendars-h' }, 'Calendars'),
      h('p', { class: 'muted' }, 'Opening hours for queues and work streams: out of hours their conversations wait, and are offered when the calendar opens. Rules read them too (Time.InBusinessHours("name")).'),
      noticeEl, table, form);
  };
  await render();
}

// calendarForm creates a calendar, or changes cal when given.
function calendarForm(cal, { saved, cancel }) {
  const c = cal || { name: '', time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC', hours: [], holidays: [] };
  const name = h('input', { name: 'name', id: nextId('cal-name'), required: true, autocomplete: 'off', value: c.name });
  const zoneList = h('datalist', { id: nextId('zones') }, zones().map(z => h('option', { value: z })));
  const zone = h('input', { name: 'time_zone', id: nextId('cal-zone'), required: true, autocomplete: 'off', spellcheck: false, value: c.time_zone });
  zone.setAttribute('list', zoneList.id);

  // Openings, per day: each row has its inputs and where its error goes.
  const lists = {};
  const addButtons = {};
  const openingRow = (day, o = { open: '', close: '' }) => {
    const open = h('input', { name: 'open', id: nextId('open'), class: 'clock', value: o.open, placeholder: 'HH:MM', autocomplete: 'off', inputMode: 'numeric', size: 5 });
    const close = h('input', { name: 'close', id: nextId('close'), class: 'clock', value: o.close, placeholder: 'HH:MM', autocomplete: 'off', inputMode: 'numeric', size: 5 });
    const row = h('li', { class: 'opening' });
    const remove = h('button', { type: 'button', class: 'small', onclick: () => {
      row.remove(); relabel(day); addButtons[day].focus();
    } }, 'Remove');
    row.append(hiddenLabel(open, ''), open, h('span', { 'aria-hidden': 'true' }, ' to '), hiddenLabel(close, ''), close, ' ', remove);
    Object.assign(row, { open, close, removeButton: remove });
    return row;
  };
  // relabel names each opening of a day for screen readers ("Monday,
  // opening 2, opens"), as the rows are added and removed.
  const relabel = (day) => {
    const rows = [...lists[day].children];
    rows.forEach((r, i) => {
      const n = rows.length > 1 ? `, opening ${i + 1}` : '';
      r.querySelector(`label[for="${r.open.id}"]`).textContent = `${dayName(day)}${n}, opens`;
      r.querySelector(`label[for="${r.close.id}"]`).textContent = `${dayName(day)}${n}, closes`;
      r.removeButton.setAttribute('aria-label', `Remove the ${dayName(day)} opening${rows.length > 1 ? ' ' + (i + 1) : ''}`);
    });
    lists[day].parentElement.querySelector('.closed').hidden = rows.length > 0;
  };
  const addOpening = (day, o) => { const r = openingRow(day, o); lists[day].append(r); relabel(day); return r; };
  const dayRows = days.map(day => {
    lists[day] = h('ul', { class: 'openings', 'aria-label': `${dayName(day)} openings` });
    addButtons[day] = h('button', { type: 'button', class: 'small', 'aria-label': `Add opening on ${dayName(day)}`, onclick: () => {
      const last = [...lists[day].children].pop();
      addOpening(day, last ? { open: '', close: '' } : { open: '09:00', close: '17:00' }).open.focus();
    } }, 'Add opening');
    return h('div', { class: 'day', role: 'group', 'aria-labelledby': `day-${day}` },
      h('span', { class: 'dayname', id: `day-${day}` }, dayName(day)),
      h('div', {}, lists[day], h('span', { class: 'closed muted' }, 'Closed')),
      addButtons[day]);
  });
  // Days render before their openings are added, so relabel finds them.
  const hoursSet = h('fieldset', { class: 'week' }, h('legend', {}, 'Weekly opening hours'),
    h('p', { class: 'help' }, 'Times of day in the calendar\'s time zone, HH:MM; 24:00 is midnight.'), dayRows,
    h('div', { class: 'actions' }, h('button', { type: 'button', class: 'small', onclick: () => {
      for (const day of days.slice(1, 5)) {
        lists[day].replaceChildren();
        for (const r of lists.monday.children) addOpening(day, { open: r.open.value, close: r.close.value });
        relabel(day);
      }
      toast('Tuesday to Friday now have Monday\'s hours');
    } }, 'Copy Monday to Tuesday–Friday')));
  for (const o of c.hours || []) if (lists[o.day]) addOpening(o.day, o);

  const holidayList = h('ul', { class: 'holidays', 'aria-label': 'Holidays' });
  const holidayRow = (d = { date: '', name: '' }) => {
    const date = h('input', { name: 'date', id: nextId('hdate'), type: 'date', value: d.date });
    const what = h('input', { name: 'holiday', id: nextId('hname'), value: d.name, autocomplete: 'off', placeholder: 'e.g. Christmas Day' });
    const row = h('li', { class: 'holiday' });
    const remove = h('button', { type: 'button', class: 'small', onclick: () => { row.remove(); relabelHolidays(); addHoliday.focus(); } }, 'Remove');
    row.append(h('label', { for: date.id }, 'Date'), date, h('label', { for: what.id }, 'Name'), what, remove);
    Object.assign(row, { date, what, removeButton: remove });
    return row;
  };
  const relabelHolidays = () => {
    const rows = [...holidayList.children];
    rows.forEach((r, i) => r.removeButton.setAttribute('aria-label', `Remove holiday ${i + 1}${r.date.value ? ' (' + r.date.value + ')' : ''}`));
    noHolidays.hidden = rows.length > 0;
  };
  const noHolidays = h('p', { class: 'muted' }, 'No holidays.');
  const addHoliday = h('button', { type: 'button', class: 'small', onclick: () => {
    const r = holidayRow(); holidayList.append(r); relabelHolidays(); r.date.focus();
  } }, 'Add holiday');
  for (const d of c.holidays || []) holidayList.append(holidayRow(d));
  const holidaysSet = h('fieldset', { class: 'holidays' }, h('legend', {}, 'Holidays'),
    h('p', { class: 'help' }, 'Closed all day, as the calendar\'s time zone counts days.'), noHolidays, holidayList, addHoliday);
  relabelHolidays();

  const summary = h('div', { class: 'check', 'aria-live': 'assertive', id: nextId('cal-errors') });

  // body reads the form as the API takes it, and the controls of each
  // field it will name: hours[i] is the i-th opening sent.
  let fields = {};
  const body = () => {
    fields = { name: { el: name, label: 'Name' }, time_zone: { el: zone, label: 'Time zone' }, hours: { el: hoursSet, label: 'Weekly opening hours' }, holidays: { el: holidaysSet, label: 'Holidays' } };
    const hours = [];
    for (const day of days) {
      [...lists[day].children].forEach((r, k, all) => {
        const i = hours.length, n = all.length > 1 ? ` opening ${k + 1}` : ' opening';
        hours.push({ day, open: r.open.value.trim(), close: r.close.value.trim() });
        fields[`hours[${i}]`] = { el: r, label: `${dayName(day)}${n}` };
        fields[`hours[${i}].day`] = { el: r, label: `${dayName(day)}${n}` };
        fields[`hours[${i}].open`] = { el: r.open, row: r, label: `${dayName(day)}${n}, opens` };
        fields[`hours[${i}].close`] = { el: r.close, row: r, label: `${dayName(day)}${n}, closes` };
      });
    }
    const holidays = [...holidayList.children].map((r, i) => {
      fields[`holidays[${i}].date`] = { el: r.date, row: r, label: `Holiday ${i + 1}, date` };
      fields[`holidays[${i}].name`] = { el: r.what, row: r, label: `Holiday ${i + 1}, name` };
      return { date: r.date.value, name: r.what.value.trim() };
    });
    return { name: name.value.trim(), time_zone: zone.value.trim(), hours, holidays };
  };

  const form = h('form', { class: 'card calendar-form' + (cal ? ' editing' : ''), 'aria-labelledby': 'cal-form-h', novalidate: true });
  const clearErrors = () => {
    for (const e of form.querySelectorAll('.field-error')) e.remove();
    for (const e of form.querySelectorAll('[aria-invalid]')) { e.removeAttribute('aria-invalid'); e.removeAttribute('aria-describedby'); }
    for (const e of form.querySelectorAll('.invalid')) e.classList.remove('invalid');
    mount(summary);
  };
  // showErrors puts each refused field's message beside it and in the
  // live region, and moves the focus to the first.
  const showErrors = (err) => {
    const details = (err.details || []).filter(d => d && d.field);
    const lines = [];
    let first = null;
    for (const d of details) {
      const f = fields[d.field];
      const msg = d.message || errorText(err);
      lines.push(`${f ? f.label : d.field}: ${msg}`);
      if (!f) continue;
      const id = nextId('err');
      const note = h('p', { class: 'field-error', id }, msg);
      const control = f.el.matches('input, select') ? f.el : null;
      if (control) {
        control.setAttribute('aria-invalid', 'true');
        control.setAttribute('aria-describedby', id);
      }
      const at = f.row || (f.el.matches('li') ? f.el : null);
      if (at) { at.classList.add('invalid'); at.append(note); } else if (control) control.after(note); else f.el.append(note);
      first = first || control || (f.el.querySelector && f.el.querySelector('input'));
    }
    mount(summary, h('div', { class: 'error' }, h('strong', {}, 'Not saved. '), lines.length ? null : errorText(err),
      lines.length ? h('ul', {}, lines.map(l => h('li', {}, l))) : null));
    if (first) first.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const req = body();
    clearErrors();
    try {
      const res = cal ? await call('PATCH', '/calendars/' + cal.id, req) : await call('POST', '/calendars', req);
      await saved(res);
    } catch (ex) { showErrors(ex); }
  });
  mount(form, h('h2', { id: 'cal-form-h' }, cal ? `Edit the calendar “${cal.name}”` : 'New calendar'),
    h('div', { class: 'row' },
      h('div', { class: 'field' }, h('label', { for: name.id }, 'Calendar name'), name),
      h('div', { class: 'field' }, h('label', { for: zone.id }, 'Time zone'), zone, zoneList, h('p', { class: 'help' }, 'IANA name, e.g. Europe/Berlin'))),
    h('div', { class: 'two' }, hoursSet, holidaysSet), summary,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, cal ? 'Save' : 'Create'),
      cal ? h('button', { type: 'button', onclick: cancel }, 'Cancel') : null));
  return form;
}
