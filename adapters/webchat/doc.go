// Package webchat is the web-chat channel: a business's site relays its
// visitors' messages to Switchboard and shows them the agents' replies.
//
// A widget is an endpoint of the channel with a signing secret (made with
// the API: POST /api/v1/webchat/widgets). The site's server signs what it
// relays, as Stripe's and Slack's webhooks are signed:
//
//	POST /webchat/widgets/{widget}/messages
//	X-Switchboard-Timestamp: 1733558400
//	X-Switchboard-Signature: v1=hex(HMAC-SHA256(secret, timestamp + "." + body))
//
//	{"id": "msg-123", "visitor": {"id": "v-42", "name": "Jane"}, "text": "Where is my order?"}
//
// The message id is the site's: a message relayed again with the same id
// is stored once. The answer (200) comes only after the message is stored.
//
// Replies reach the visitor's browser over server-sent events, which the
// site opens with a token its server signs for the visitor:
//
//	GET /webchat/widgets/{widget}/visitors/{visitor}/events?expires=1733562000&token=hex(HMAC-SHA256(secret, "visitor." + visitor + "." + expires))
//
// Each reply is an event "message" whose id is the reply's: a browser that
// reconnects (Last-Event-ID) resumes after the last reply it saw. The
// channel's Sender hands a reply to the streams; the stream reads replies
// from the store, so a visitor connected to any replica sees every reply.
package webchat
