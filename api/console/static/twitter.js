// The Twitter channel's admin page: applications (the callback URL to copy
// into the developer portal, the webhook check), their handles with "Sign
// on to Twitter", each handle's work stream, state and health (subscription,
// last event), backfill and removal, and a form for a new application.

import { call, list } from './api.js';
import { h, mount, redraw, field, select, toast, errorBox, when, copyButton } from './dom.js';

// ago is how long ago a time was, in words.
function ago(ts) {
  if (!ts) return 'never';
  const s = Math.max(0, Math.round((Date.now() - new Date(ts)) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86400)} days ago`;
}

export async function twitterPage({ main, onLeave }) {
  let notice = null; // a sign-on link or a check's answer, kept across reloads
  let signingOn = ''; // the handle whose sign-on link the notice shows
  let poll = null;
  onLeave(() => clearTimeout(poll));

  const reload = async () => {
    clearTimeout(poll);
    const [apps, streams] = await Promise.all([list('/twitter/applications'), list('/workstreams')]);
    const twitterStreams = streams.filter(w => w.channel === 'twitter');
    const handlesOf = new Map(await Promise.all(apps.map(async a => [a.id, await list(`/twitter/applications/${a.id}/handles`)])));
    const done = [...handlesOf.values()].flat().find(x => x.id === signingOn && x.status === 'active');
    if (done) {
      notice = null;
      signingOn = '';
      toast(`“${done.name}” is connected as @${done.screen_name}`);
    }
    // The page refreshes itself: what is being typed in its forms stays.
    redraw(main, h('h1', {}, 'Twitter'),
      notice,
      apps.length ? apps.map(a => appCard(a, handlesOf.get(a.id), twitterStreams)) : h('p', { class: 'muted' }, 'No Twitter application yet: add the one from your developer portal below.'),
      newAppForm());
    // Health changes by itself (events arrive, checks run): look again now and then.
    const pending = [...handlesOf.values()].flat().some(x => x.status === 'pending');
    poll = setTimeout(() => reload().catch(() => {}), pending ? 2000 : 15000);
  };

  // done empties a form whose work is saved, so that a redraw keeps nothing of it.
  const done = (form) => {
    form.reset();
    for (const c of form.elements) delete c.dataset.typed;
  };

  const act = async (what, fn) => {
    try { await fn(); } catch (err) { toast(`${what}: ${err.message}`); }
    await reload();
  };

  function signOnNotice(x) {
    signingOn = x.id;
    return h('div', { class: 'notice', role: 'alert' },
      h('p', {}, h('strong', {}, `Sign “${x.name}” on to Twitter. `), 'Open the link, sign in to Twitter as the handle and authorise the application; this page updates when Twitter sends you back.'),
      h('p', {}, h('a', { class: 'signon', href: x.authorization_url, target: '_blank', rel: 'noopener noreferrer' }, 'Sign on to Twitter'), ' ', copyButton(x.authorization_url)));
  }

  function appCard(a, handles, streams) {
    const streamName = (id) => (streams.find(w => w.id === id) || {}).name || id;
    const name = h('input', { name: 'handle_name', required: true, autocomplete: 'off', placeholder: 'Acme Help' });
    const stream = select({ name: 'handle_work_stream', required: true }, streams.map(w => [w.id, w.name]));
    const connectErr = h('div');
    const rows = handles.map(x => {
      const hl = x.health || {};
      const move = select({ 'aria-label': `Work stream of ${x.name}`, onchange: (e) => act('Change the work stream', () => call('PATCH', '/twitter/handles/' + x.id, { work_stream_id: e.target.value })) },
        streams.map(w => [w.id, w.name]), x.work_stream_id);
      const sub = hl.subscription || 'unknown';
      return h('tr', { 'data-handle': x.name },
        h('td', {}, h('strong', {}, x.name), h('br'), h('span', { class: 'muted small' }, x.screen_name ? '@' + x.screen_name : 'not signed on yet')),
        h('td', {}, streams.length ? move : streamName(x.work_stream_id)),
        h('td', {}, h('span', { class: 'status s-' + (x.status === 'active' ? 'active' : 'waiting') }, x.status), x.status_reason ? h('p', { class: 'small ' + (x.status === 'disconnected' ? 'bad' : 'muted') }, x.status_reason) : null),
        h('td', {}, h('span', { class: sub === 'subscribed' ? 'good' : (sub === 'unknown' ? '' : 'bad') }, sub), hl.subscription_error ? h('p', { class: 'small bad' }, hl.subscription_error) : null,
          hl.checked_at ? h('p', { class: 'small muted' }, 'checked ' + ago(hl.checked_at)) : null),
        h('td', { class: 'last-event', title: hl.last_event_at ? when(hl.last_event_at) : '' }, ago(hl.last_event_at),
          hl.silent_since ? h('p', { class: 'small bad silent', role: 'status' }, '⚠ Silent: this handle usually receives DMs and has had none since ',
            when(hl.silent_since), '. Check the webhook.') : null),
        h('td', {}, h('div', { class: 'actions tight' },
          h('button', { type: 'button', class: 'small', onclick: () => act('Sign on', async () => { notice = signOnNotice(await call('POST', `/twitter/handles/${x.id}/sign-on`)); }) },
            x.status === 'active' ? 'Sign on again' : 'Sign on to Twitter'),
          x.status === 'active' ? h('button', { type: 'button', class: 'small', onclick: () => act('Backfill', async () => {
            const r = await call('POST', `/twitter/handles/${x.id}/backfill`);
            toast(r.error ? `Backfill: ${r.error}` : `Backfill: ${r.listed} DMs read, ${r.ingested} missed ones stored`);
          }) }, 'Backfill') : null,
          h('button', { type: 'button', class: 'small', onclick: () => {
            if (!confirm(`Remove the handle “${x.name}”? Its DMs stop arriving here.`)) return;
            act('Remove', () => call('DELETE', '/twitter/handles/' + x.id));
          } }, 'Remove'))));
    });
    return h('section', { class: 'card', 'aria-label': 'Application ' + a.name },
      h('div', { class: 'pagehead' }, h('h2', {}, a.name), h('span', { class: 'muted' }, [a.environment_name && 'environment ' + a.environment_name, a.dialect, a.enabled ? 'enabled' : 'disabled'].filter(Boolean).join(' · '))),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Callback URL'), h('dd', {}, h('code', { class: 'callback' }, a.sign_on_callback_url), ' ', copyButton(a.sign_on_callback_url),
          h('p', { class: 'help small' }, 'Allow-list it in the app\'s settings in the developer portal, for "Sign on to Twitter".')),
        h('dt', {}, 'Webhook URL'), h('dd', {}, h('code', { class: 'webhook' }, a.callback_url), ' ', copyButton(a.callback_url),
          h('p', { class: 'help small' }, 'Switchboard registers it with Twitter when a handle signs on.'))),
      handles.length ? h('table', { class: 'handles' }, h('thead', {}, h('tr', {}, ['Handle', 'Work stream', 'State', 'Subscription', 'Last event', ''].map(t => h('th', { scope: 'col' }, t)))), h('tbody', {}, rows))
        : h('p', { class: 'muted' }, 'No handle yet.'),
      streams.length ? h('form', { class: 'row', onsubmit: async (e) => {
        e.preventDefault();
        try {
          const x = await call('POST', `/twitter/applications/${a.id}/handles`, { name: name.value, work_stream_id: stream.value });
          done(e.target);
          notice = signOnNotice(x);
          await reload();
        } catch (err) { mount(connectErr, errorBox(err)); }
      } }, h('h3', { class: 'wide' }, 'Connect a handle'), field('Handle name', name), field('Work stream', stream),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Connect with Twitter')), connectErr)
        : h('p', { class: 'notice' }, 'Create a work stream of the Twitter channel first: a handle\'s DMs are routed by its rules. ', h('a', { href: '#/workstreams' }, 'Work streams')),
      h('div', { class: 'actions' },
        h('button', { type: 'button', onclick: () => act('Check the webhook', async () => {
          const r = await call('POST', `/twitter/applications/${a.id}/verify`);
          notice = h('div', { class: 'notice', role: 'status' }, h('p', {}, h('strong', {}, `${a.name}: `), `webhook ${r.webhook.state}`, r.webhook.error ? ` (${r.webhook.error})` : '',
            ' · ', r.handles.map(x => `${x.name}: ${(x.health && x.health.subscription) || x.status}`).join(' · ')));
        }) }, 'Check the webhook'),
        h('button', { type: 'button', onclick: () => act(a.enabled ? 'Disable' : 'Enable', () => call('PATCH', '/twitter/applications/' + a.id, { enabled: !a.enabled })) }, a.enabled ? 'Disable' : 'Enable'),
        handles.length ? null : h('button', { type: 'button', onclick: () => {
          if (!confirm(`Delete the application “${a.name}”?`)) return;
          act('Delete', () => call('DELETE', '/twitter/applications/' + a.id));
        } }, 'Delete')));
  }

  function newAppForm() {
    const name = h('input', { name: 'name', required: true, autocomplete: 'off' });
    const key = h('input', { name: 'consumer_key', required: true, autocomplete: 'off' });
    const secret = h('input', { name: 'consumer_secret', type: 'password', required: true, autocomplete: 'off' });
    const env = h('input', { name: 'environment_name', autocomplete: 'off' });
    const err = h('div');
    return h('form', { class: 'card', onsubmit: async (e) => {
      e.preventDefault();
      try {
        const res = await call('POST', '/twitter/applications', { name: name.value, consumer_key: key.value, consumer_secret: secret.value, environment_name: env.value || undefined });
        toast(`Created “${res.name}”`);
        done(e.target);
        notice = null;
        signingOn = '';
        await reload();
      } catch (ex) { mount(err, errorBox(ex)); }
    } }, h('h2', {}, 'New Twitter application'),
    h('p', { class: 'help' }, 'The consumer key and secret from the developer portal; the secret is write-only and never shown again.'),
    h('div', { class: 'row' }, field('Application name', name), field('Consumer API key', key), field('Consumer API secret', secret),
      field('Environment name', env, 'Account Activity environment; empty for the default')),
    err, h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create')));
  }

  await reload();
}
