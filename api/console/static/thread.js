// A conversation's messages as a list, shared by the inbox and the
// conversations page.

import { h, when } from './dom.js';

// messageList shows messages in order: the customer's on the left, replies
// on the right; delivery(m), when given, shows a reply's delivery status.
export function messageList(messages, delivery) {
  return h('ol', { class: 'messages', 'aria-label': 'Messages' }, messages.map(m => h('li', { class: 'msg ' + m.direction },
    h('p', { class: 'text' }, m.text),
    (m.media || []).map(md => h('p', {}, h('a', { href: md.url, target: '_blank', rel: 'noopener noreferrer' }, (md.type || 'media') + ': ' + md.url))),
    h('p', { class: 'meta' }, when(m.sent_at || m.received_at),
      m.direction === 'outbound' ? (delivery ? delivery(m) : h('span', { class: 'delivery d-' + (m.delivery_status || 'queued') }, ' · ', m.delivery_status || 'queued')) : null))));
}
