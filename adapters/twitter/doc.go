// Package twitter is Switchboard's Twitter (X) channel: the protocol layer
// that speaks Twitter's wire formats (webhook payloads, signatures, the API
// client), and the channel's side of Switchboard: Accounts administers its
// applications and handles (sign-on, webhook and subscription "ensure",
// verify, backfill, echo matching, health) as the engine's sources and
// endpoints; the webhook handler, the sign-on callback page, the Sender of
// replies and the channel's metrics. It never touches the database: it
// reads and writes through the engine.
//
// # Switchboard's channel
//
// WebhookHandler serves each application's webhook URL: the CRC with the
// application's consumer secret; POSTs checked (body cap, signature with
// hmac.Equal: 401 and nothing stored), parsed (400 when malformed), then
// every DM routed by for_user_id to its handle and handed to
// Accounts.Receive (engine.Service.ReceiveChannelMessage) — a customer's DM goes through the
// exactly-once Ingest, an echo is dropped when Switchboard sent it (its
// event id is stored with the outbound message, or its source_app_id is the
// application's) and recorded as an outbound message when an agent wrote
// from Twitter's own app. Typing and read events are dropped (counted in
// the metrics), revocations disconnect the handle; see "Account Activity
// events" below for every kind. The answer is 200 only
// after every DM is committed, 5xx otherwise, so that Twitter delivers
// again; a redelivery is a no-op answered 200.
//
// # Account Activity events
//
// What the webhook does with each event of a signed, well-formed delivery
// (reference §6; kind is the label of
// switchboard_twitter_webhook_activities_total, counted once the
// delivery is accepted):
//
//	key (X Activity API type)                kind                            Switchboard
//	direct_message_events, message_create    direct_message                  a customer's DM: stored once, starts or continues a conversation,
//	  (dm.received, dm.sent)                                                 routed when that is new or unassigned; an echo: dropped when Switchboard sent it, else recorded as an
//	                                                                         outbound message of the conversation in progress (dropped without one);
//	                                                                         a DM for a user who is no handle of the application: dropped, warned
//	direct_message_events, other types       —                               ignored (group DMs are not delivered, §6.9)
//	direct_message_indicate_typing_events    direct_message_indicate_typing  dropped
//	  (dm.indicate_typing)
//	direct_message_mark_read_events          direct_message_mark_read        dropped
//	  (dm.read)
//	user_event.revoke (oauth.revoke)         revoke                          the user's handle is disconnected ("sign on again"), unless target.app_id
//	                                                                         names another app than the application's own (learnt from the
//	                                                                         echoes of its sends): then warned and counted, the handle untouched
//	replay_job_status                        replay_job_status               ignored
//	follow_events (follow and unfollow)      follow                          ignored
//	unfollow_events                          unfollow                        ignored
//	favorite_events                          favorite                        ignored
//	tweet_create_events                      tweet_create                    ignored (user_has_blocked beside it is no event)
//	tweet_delete_events                      tweet_delete                    ignored
//	block_events, unblock_events             block, unblock                  ignored
//	mute_events, unmute_events               mute, unmute                    ignored
//	(chat.*: encrypted XChat)                chat                            ignored
//	any other key or type                    unknown                         ignored, warned with its key and counted per application in
//	                                                                         switchboard_twitter_webhook_unknown_events_total
//	users, apps                              —                               the profiles of sender and recipient (the customer's contact) and the
//	                                                                         app a DM was sent with
//
// switchboard_twitter_webhook_events_total counts what was done with DMs,
// typing and read events and revocations, by action (ingested, duplicate,
// echo_ours, echo_recorded, echo_dropped, unrouted, typing_dropped,
// read_dropped, revoked, revoke_other_app).
//
// SignOnHandler is the OAuth callback page of "Sign on to Twitter"; Gateway
// implements API over Client (one per application).
//
// Outbox and duplicate sends: an agent's reply is an outbound message
// queued in the outbox in the reply's transaction (engine.EnqueueReply);
// engine.Service.SendDue claims due messages (FOR UPDATE SKIP LOCKED on
// PostgreSQL), marks them "sending" with a lease, sends, and records
// "sent" with the event ids. A crash between Twitter accepting a DM and
// that record leaves the message "sending"; when its lease ends, the next
// sender first searches the handle's recent DM events (ListDMEvents) for a
// DM from the handle to the customer with the message's text, and records
// it as sent instead of sending again. A send that got no answer (a
// timeout) stays "sending" for the same check. A duplicate is thus possible
// only when Twitter's list lags behind its send, at most once per lease.
//
// # Inbound: webhooks
//
// Twitter's Account Activity API delivers a business handle's direct
// messages to one webhook URL per Twitter application. That URL serves two
// requests:
//
//   - GET ?crc_token=… — the challenge-response check. Answer 200 with
//     {"response_token": CRCResponse(consumerSecret, token)}, quickly and
//     without locks or database calls.
//   - POST — an event delivery. Read the raw body (size-limited), check it
//     with VerifySignature against the SignatureHeader before anything else
//     (a forged body is answered 401 and stored nowhere), then ParseDelivery
//     the same bytes. ParseDelivery understands every payload of the
//     reference (text, media and quick-reply DMs, echoes, typing and read
//     events, revocations, batches, the X Activity API envelope) and returns
//     a Delivery of normalized values; errors wrap ErrMalformed (answer 400).
//
// AnswerCRC and ReadDelivery do exactly this for a net/http handler, which
// then only has to find the application's consumer secret, store the raw
// body or hand the messages to the engine, and answer 200 once they are
// committed (5xx otherwise, so that Twitter delivers again).
//
// A DirectMessage whose sender is the handle it was delivered for
// (SenderID == ForUserID, see DirectMessage.IsEcho) is an echo of a message
// the handle sent: Switchboard's own send when its id is one a send returned
// or DirectMessage.SentByApp matches the application's numeric id, otherwise
// an agent replying from Twitter's own app. Echoes never start a
// conversation. Deliveries may be duplicated and arrive in any order:
// deduplicate by (ForUserID, ID) and order by (CreatedAt, ID).
//
// # Outbound: the API client
//
// Client calls Twitter's REST API for one Twitter application (consumer key
// and secret), with a handle's OAuth 1.0a access token per call where the
// call acts for a user: "Sign on to Twitter" (request token, authorization
// URL, access token, /2/users/me), webhook registration and subscriptions in
// the v2 dialect or the premium v1.1 dialect with an environment name,
// sending DMs (v2 by default, v1.1 for the premium dialect; texts longer
// than MaxTextLength are split) and listing DM events for backfill. Failures
// are *APIError values that say whether to retry, wait for a rate-limit
// reset, re-authorize the handle or give up; RetryAt turns one into the time
// of the next attempt. EnsureWebhook and EnsureSubscription are the
// idempotent "ensure" steps run after a handle signs on (§11.4).
//
// Duplicate sends: neither DM API has an idempotency key and the client
// never retries by itself. A send that failed without an answer (a transport
// error) may have been delivered; its echo, delivered to the webhook with the
// same event id, tells. SendDM returns the parts already accepted when a
// split text fails midway, so that a retry resends only the rest.
//
// Secrets (consumer secret, bearer and access tokens) never appear in
// errors or in String output.
//
// The fake Twitter server in the twittertest subpackage implements the same
// API for tests.
package twitter
