// The console's shell: sign-in, the navigation the key's role allows, and
// hash routes (#/inbox, #/rules, #/queues, #/calendars …) to the pages.

import { call, signIn, signOut, token } from './api.js';
import { h, mount, field, errorBox } from './dom.js';
import { inboxPage } from './inbox.js';
import { rulesPage } from './workbench.js';
import { conversationsPage } from './conversations.js';
import { auditPage } from './audit.js';
import { livePage } from './live.js';
import { queuesPage, workStreamsPage, agentsPage, keysPage, webchatPage } from './admin.js';
import { twitterPage } from './twitter.js';
import { calendarsPage } from './calendars.js';

// pages by route: who may open them and how they render.
const pages = {
  inbox: { title: 'Inbox', roles: ['agent'], render: inboxPage },
  live: { title: 'Live', roles: ['admin', 'analyst'], render: livePage },
  conversations: { title: 'Conversations', roles: ['admin', 'analyst'], render: conversationsPage },
  rules: { title: 'Rules', roles: ['admin', 'analyst'], render: rulesPage },
  queues: { title: 'Queues', roles: ['admin', 'analyst'], render: queuesPage },
  workstreams: { title: 'Work streams', roles: ['admin', 'analyst'], render: workStreamsPage },
  calendars: { title: 'Calendars', roles: ['admin', 'analyst'], render: calendarsPage },
  agents: { title: 'Agents', roles: ['admin'], render: agentsPage },
  keys: { title: 'API keys', roles: ['admin'], render: keysPage },
  twitter: { title: 'Twitter', roles: ['admin'], render: twitterPage },
  webchat: { title: 'Web chat', roles: ['admin'], render: webchatPage },
  audit: { title: 'Audit log', roles: ['admin'], render: auditPage },
};

const main = document.getElementById('main');
let me = null;
let leave = null; // the open page's clean-up
let shown = 0; // the number of the page opened last

function signInPage(err) {
  const input = h('input', { type: 'password', name: 'token', autocomplete: 'off', required: true, spellcheck: false });
  const form = h('form', { class: 'card signin', onsubmit: async (e) => {
    e.preventDefault();
    signIn(input.value.trim());
    await start();
  } },
  h('h1', {}, 'Sign in'),
  h('p', {}, 'Paste your Switchboard API key. It is kept in this tab only and forgotten when the tab closes.'),
  errorBox(err),
  field('API key', input),
  h('button', { type: 'submit', class: 'primary' }, 'Sign in'));
  mount(document.getElementById('nav'));
  mount(document.getElementById('who'));
  mount(main, form);
  input.focus();
}

function route() {
  const [name, ...rest] = location.hash.replace(/^#\/?/, '').split('/');
  const allowed = Object.entries(pages).filter(([, p]) => p.roles.includes(me.role));
  const page = pages[name] && pages[name].roles.includes(me.role) ? name : allowed[0][0];
  if (page !== name) { location.replace('#/' + page); return; }
  for (const a of document.querySelectorAll('#nav a')) {
    if (a.dataset.page === page) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  if (leave) leave();
  leave = null;
  document.title = pages[page].title + ' · Switchboard';
  // Each page renders into a view of its own: a page still loading when
  // another opens renders into a detached view, and its clean-up runs at once.
  const mine = ++shown;
  const view = h('div');
  mount(main, view);
  const ctx = { me, main: view, args: rest, onLeave: (fn) => { if (mine === shown) leave = fn; else fn(); } };
  Promise.resolve(pages[page].render(ctx)).catch(err => mount(view, errorBox(err)));
}

async function start() {
  if (!token()) { signInPage(); return; }
  try {
    me = await call('GET', '/me');
  } catch (err) {
    signOut();
    signInPage(err);
    return;
  }
  const allowed = Object.entries(pages).filter(([, p]) => p.roles.includes(me.role));
  mount(document.getElementById('nav'), h('ul', {}, allowed.map(([k, p]) => h('li', {}, h('a', { href: '#/' + k, 'data-page': k }, p.title)))));
  // An agent's key is named after the key; the agent's own name reads better.
  const who = me.agent_id ? await call('GET', '/agents/' + me.agent_id).then(a => a.name, () => me.name) : me.name;
  mount(document.getElementById('who'),
    h('span', {}, `${who} · ${me.role}`),
    h('button', { type: 'button', onclick: () => { if (leave) leave(); signOut(); location.hash = ''; signInPage(); } }, 'Sign out'));
  route();
}

window.addEventListener('hashchange', () => { if (me) route(); });
start();
