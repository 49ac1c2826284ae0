// The agent inbox: presence, live offers from the notification stream,
// the agent's conversations and the open thread with its reply box.

import { call, list } from './api.js';
import { h, mount, field, select, toast, errorBox, when } from './dom.js';
import { openStream } from './sse.js';
import { messageList } from './thread.js';

const presences = ['available', 'busy', 'away', 'offline'];
const openStatuses = ['offered', 'active', 'waiting', 'wrap_up'];

export async function inboxPage({ me, main, onLeave }) {
  const agentID = me.agent_id;
  const store = {
    lastId: 'switchboard.lastEventId.' + agentID,
    offers: 'switchboard.offers.' + agentID,
    selected: 'switchboard.selected.' + agentID,
  };
  const state = {
    agent: await call('GET', '/agents/' + agentID),
    queues: await list('/queues').catch(() => []),
    colleagues: (await list('/agents').catch(() => [])).filter(a => a.id !== agentID),
    offers: new Map(Object.entries(JSON.parse(sessionStorage.getItem(store.offers) || '{}'))),
    conversations: [],
    waiting: [], // open conversations in the agent's queues, to take (pick mode)
    drafts: new Map(), // conversation id → the reply being written, kept across re-renders
    selected: sessionStorage.getItem(store.selected) || '',
    thread: null,
    threadError: null,
    stream: 'connecting',
  };
  const queueName = (id) => (state.queues.find(q => q.id === id) || {}).name || id || '';

  const presenceSel = select({ name: 'presence', onchange: async () => {
    try {
      state.agent = await call('PUT', `/agents/${agentID}/presence`, { presence: presenceSel.value });
      toast('You are ' + presenceSel.value);
    } catch (err) { toast(err.message); presenceSel.value = state.agent.presence; }
  } }, presences.map(p => [p, p[0].toUpperCase() + p.slice(1)]), state.agent.presence);

  const streamState = h('span', { class: 'pill', role: 'status' });
  const offersEl = h('section', { class: 'offers', 'aria-labelledby': 'offers-h' });
  const listEl = h('section', { class: 'convs', 'aria-labelledby': 'convs-h' });
  const waitingEl = h('section', { class: 'waiting', 'aria-labelledby': 'waiting-h' });
  const threadEl = h('section', { class: 'thread', 'aria-label': 'Conversation' });
  mount(main,
    h('div', { class: 'inbox' },
      h('aside', { class: 'side' },
        h('div', { class: 'card' }, field('Presence', presenceSel), h('p', { class: 'help' }, 'Live updates: ', streamState)),
        offersEl, waitingEl, listEl),
      threadEl));

  const saveOffers = () => sessionStorage.setItem(store.offers, JSON.stringify(Object.fromEntries(state.offers)));

  function renderOffers() {
    const cards = [...state.offers.values()].map(o => {
      const c = o.customer || {};
      const r = o.routing || {};
      const rule = r.rule_name ? `rule “${r.rule_name}”` : (r.reason === 'default' || !r.reason ? 'the default queue' : r.reason);
      return h('article', { class: 'card offer', 'aria-label': 'Offer from ' + (c.name || c.screen_name) },
        h('h3', {}, c.name || c.screen_name, c.verified ? h('span', { class: 'badge', title: 'Verified account' }, '✔ verified') : null),
        h('dl', { class: 'facts' },
          h('dt', {}, 'Handle'), h('dd', {}, '@' + c.screen_name),
          h('dt', {}, 'Followers'), h('dd', {}, Number(c.followers_count || 0).toLocaleString()),
          h('dt', {}, 'Customer'), h('dd', {}, c.is_returning ? `returning (${c.previous_conversations} earlier)` : 'new'),
          h('dt', {}, 'Queue'), h('dd', {}, o.queue_name || queueName(o.queue_id)),
          h('dt', {}, 'Routed by'), h('dd', {}, rule)),
        (o.last_messages || []).length ? h('blockquote', {}, o.last_messages[o.last_messages.length - 1].text) : null,
        h('p', { class: 'countdown', 'data-expires': o.expires_at, 'aria-live': 'off' }, countdown(o.expires_at)),
        h('div', { class: 'actions' },
          h('button', { type: 'button', class: 'primary', onclick: () => decide(o.conversation_id, 'accept') }, 'Accept'),
          h('button', { type: 'button', onclick: () => decide(o.conversation_id, 'reject') }, 'Reject')));
    });
    mount(offersEl, h('h2', { id: 'offers-h' }, 'Offers'), cards.length ? cards : h('p', { class: 'muted' }, 'No offers right now.'));
  }

  // renderWaiting lists the conversations waiting in the agent's queues of
  // a pick-mode work stream, each to take; nothing when none wait.
  function renderWaiting() {
    if (!state.waiting.length) { mount(waitingEl); return; }
    mount(waitingEl, h('h2', { id: 'waiting-h' }, 'Waiting in your queues'),
      h('ul', { class: 'convlist' }, state.waiting.map(c => h('li', {},
        h('div', { class: 'conv' },
          h('strong', {}, c.customer.name || c.customer.screen_name), ' ', h('span', { class: 'muted small' }, '@' + c.customer.screen_name),
          h('p', { class: 'muted small' }, 'Queue ', queueName(c.queue_id), ' · since ', when(c.created_at)),
          h('button', { type: 'button', class: 'small primary', 'aria-label': 'Take the conversation with ' + (c.customer.name || c.customer.screen_name),
            onclick: () => take(c.id) }, 'Take'))))));
  }

  async function loadWaiting() {
    try {
      // Only a pick-mode work stream's conversations are there to take; the others are offered.
      const [open, streams] = await Promise.all([list('/conversations?status=open'), list('/workstreams')]);
      const pick = new Set(streams.filter(w => w.mode === 'pick').map(w => w.id));
      state.waiting = open.filter(c => !c.agent_id && pick.has(c.work_stream_id));
    } catch { state.waiting = []; }
    renderWaiting();
  }

  async function take(id) {
    try {
      await call('POST', `/conversations/${id}/accept`);
      toast('Taken');
      await Promise.all([loadList(), loadWaiting()]);
      await openThread(id);
    } catch (err) { toast(err.message); await loadWaiting(); }
  }

  function renderList() {
    const mine = state.conversations.filter(c => c.agent_id === agentID && openStatuses.includes(c.status));
    mount(listEl, h('h2', { id: 'convs-h' }, 'My conversations'),
      mine.length ? h('ul', { class: 'convlist' }, mine.map(c => h('li', {},
        h('button', { type: 'button', class: c.id === state.selected ? 'conv current' : 'conv', 'aria-current': c.id === state.selected ? 'true' : null,
          onclick: () => openThread(c.id) },
        h('strong', {}, c.customer.name || c.customer.screen_name), ' ', h('span', { class: 'status s-' + c.status }, c.status),
        h('span', { class: 'muted small' }, ' @' + c.customer.screen_name + ' · ' + c.message_count + ' messages')))))
        : h('p', { class: 'muted' }, 'None yet. Accept an offer to start.'));
  }

  function renderThread() {
    const t = state.thread;
    if (!t) { mount(threadEl, state.threadError ? errorBox(state.threadError) : h('p', { class: 'muted' }, 'Pick a conversation to read it.')); return; }
    const c = t.customer;
    const mine = t.agent_id === agentID;
    // The thread is drawn again whenever the customer writes: the reply
    // being written, and the caret in it, stay as they were.
    const typing = document.activeElement && document.activeElement.name === 'reply'
      ? [document.activeElement.selectionStart, document.activeElement.selectionEnd] : null;
    const reply = h('textarea', { name: 'reply', rows: 3, required: true, disabled: !mine || t.status === 'closed',
      oninput: () => state.drafts.set(t.id, reply.value) });
    reply.value = state.drafts.get(t.id) || '';
    const act = (name, label) => h('button', { type: 'button', onclick: () => workflow(t.id, name) }, label);
    // A conversation goes to a queue, or straight to an available colleague.
    const transferSel = select({ name: 'transfer_to' }, [['', 'Choose a queue or an agent…'],
      ...state.queues.map(q => ['queue:' + q.id, 'Queue: ' + q.name]),
      ...state.colleagues.map(a => ['agent:' + a.id, `Agent: ${a.name} (${a.presence})`])], '');
    const transferTo = () => {
      const [kind, id] = transferSel.value.split(':');
      return kind === 'agent' ? { agent_id: id } : { queue_id: id };
    };
    mount(threadEl,
      h('header', { class: 'thread-h' },
        h('h2', {}, c.name || c.screen_name, ' ', h('span', { class: 'muted' }, '@' + c.screen_name)),
        h('p', {}, h('span', { class: 'status s-' + t.status }, t.status), ' · ', Number(c.followers_count).toLocaleString(), ' followers',
          c.verified ? ' · verified' : '', t.is_returning ? ` · returning (${t.previous_conversations} earlier)` : ' · new customer',
          ' · queue ', queueName(t.queue_id))),
      messageList(t.messages, (m) => delivery(t.id, m)),
      mine && t.status !== 'closed' ? h('form', { class: 'reply', onsubmit: async (e) => {
        e.preventDefault();
        try {
          await call('POST', `/conversations/${t.id}/messages`, { text: reply.value });
          reply.value = '';
          state.drafts.delete(t.id);
          await loadThread();
        } catch (err) { toast(err.message); }
      } }, field('Reply to ' + (c.name || c.screen_name), reply), h('button', { type: 'submit', class: 'primary' }, 'Send')) : null,
      mine ? h('div', { class: 'actions' },
        ['active'].includes(t.status) ? act('wait', 'Wait for the customer') : null,
        ['active', 'waiting'].includes(t.status) ? act('end', 'End') : null,
        t.status !== 'closed' ? act('close', 'Close') : null,
        t.status !== 'closed' ? h('span', { class: 'transfer' }, field('Transfer to', transferSel),
          h('button', { type: 'button', onclick: () => transferSel.value && workflow(t.id, 'transfer', transferTo()) }, 'Transfer')) : null) : null);
    if (typing && !reply.disabled) {
      reply.focus();
      reply.setSelectionRange(...typing);
    }
  }

  function delivery(convID, m) {
    const s = m.delivery_status || 'queued';
    return h('span', { class: 'delivery d-' + s }, ' · ', s === 'failed' ? `failed: ${m.last_error || 'unknown reason'}` : s,
      s === 'failed' ? h('button', { type: 'button', class: 'small', onclick: async () => {
        try { await call('POST', `/conversations/${convID}/messages/${m.id}/retry`); await loadThread(); } catch (err) { toast(err.message); }
      } }, 'Retry') : null);
  }

  async function decide(id, what) {
    try {
      await call('POST', `/conversations/${id}/${what}`, what === 'reject' ? {} : undefined);
      state.offers.delete(id);
      saveOffers();
      renderOffers();
      await loadList();
      if (what === 'accept') await openThread(id);
    } catch (err) { toast(err.message); state.offers.delete(id); saveOffers(); renderOffers(); }
  }

  async function workflow(id, what, body) {
    try {
      await call('POST', `/conversations/${id}/${what}`, body);
      toast('Done: ' + what);
      if (what === 'transfer' && body.agent_id) {
        // It is the colleague's now: this agent may no longer read it.
        state.selected = '';
        sessionStorage.removeItem(store.selected);
      }
      await loadList();
      await loadThread();
    } catch (err) { toast(err.message); }
  }

  async function openThread(id) {
    state.selected = id;
    sessionStorage.setItem(store.selected, id);
    await loadThread();
    renderList();
  }

  let refresh = null;
  async function loadThread() {
    clearTimeout(refresh);
    const id = state.selected;
    if (!id) { state.thread = null; state.threadError = null; renderThread(); return; }
    let thread = null, error = null;
    try {
      thread = await call('GET', '/conversations/' + id);
    } catch (err) { error = err; }
    if (state.selected !== id) return; // another conversation was opened (or none) meanwhile
    state.thread = thread;
    state.threadError = error;
    renderThread();
    // A reply's delivery is not announced on the stream: look again while one is on its way.
    if (state.thread && state.thread.messages.some(m => m.direction === 'outbound' && ['queued', 'sending'].includes(m.delivery_status || 'queued'))) {
      refresh = setTimeout(loadThread, 1000);
    }
  }

  async function loadList() {
    try {
      state.conversations = await list('/conversations?agent_id=' + agentID);
    } catch (err) { toast(err.message); }
    // Offers kept from before a reload stay only while they are still this agent's.
    for (const id of state.offers.keys()) {
      const c = state.conversations.find(x => x.id === id);
      if (!c || c.status !== 'offered' || c.offered_agent_id !== agentID) state.offers.delete(id);
    }
    saveOffers();
    renderOffers();
    renderList();
  }

  function onEvent(ev) {
    let data = {};
    try { data = JSON.parse(ev.data); } catch { return; }
    if (ev.event === 'offer') {
      if (new Date(data.expires_at) <= Date.now()) return; // an old offer replayed to a new tab
      state.offers.set(data.conversation_id, data);
      saveOffers();
      renderOffers();
      return;
    }
    if (ev.event === 'offer_withdrawn' || (ev.event === 'status' && data.status !== 'offered')) {
      if (state.offers.delete(data.conversation_id)) { saveOffers(); renderOffers(); }
    }
    loadList();
    loadWaiting();
    if (data.conversation_id === state.selected) loadThread();
  }

  const labels = { open: 'connected', reconnecting: 'reconnecting…', stopped: 'stopped', connecting: 'connecting…' };
  const setStream = (s, err) => {
    streamState.textContent = labels[s] || s;
    streamState.className = 'pill p-' + s;
    if (err) toast(err.message);
  };
  setStream('connecting');
  const stream = openStream(`/api/v1/agents/${agentID}/notifications`, {
    lastId: sessionStorage.getItem(store.lastId) || '',
    saveId: (id) => sessionStorage.setItem(store.lastId, id),
    onEvent,
    onState: setStream,
  });
  const ticker = setInterval(() => {
    for (const el of document.querySelectorAll('[data-expires]')) el.textContent = countdown(el.dataset.expires);
  }, 1000);
  // No event announces a conversation waiting to be picked: look every few seconds.
  const picker = setInterval(loadWaiting, 5000);
  onLeave(() => { stream.stop(); clearInterval(ticker); clearInterval(picker); clearTimeout(refresh); });

  renderOffers();
  await Promise.all([loadList(), loadWaiting()]);
  await loadThread();
}

// countdown is the time left to answer an offer.
function countdown(expires) {
  const left = Math.round((new Date(expires) - Date.now()) / 1000);
  if (!(left > 0)) return 'The offer has expired';
  const m = Math.floor(left / 60), s = left % 60;
  return `Expires in ${m ? m + ' min ' : ''}${s} s`;
}
