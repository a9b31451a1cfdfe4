// Package n8n is the delivery side of the n8n bridge. n8n cannot read Redis
// Streams (its Redis Trigger only subscribes to pub/sub channels and its
// Redis node has no stream commands), so the bridge hands it every event it
// subscribes to in two ways:
//
//   - Deliverer.Deliver POSTs the ADR-002 envelope JSON to each webhook URL
//     whose Subscription matches the event, signed twice: an
//     X-Xentri-Signature HMAC-SHA256 header (checked with VerifySignature) and
//     a short-lived HS256 bearer JWT that n8n's Webhook node checks natively
//     with its "JWT Auth" credential. Three attempts with exponential backoff,
//     then the stream n8n:dlq, from which RedriveDeadLetter re-delivers.
//   - Deliverer.Publish PUBLISHes the same JSON on the channel xentri.events
//     for users of n8n's Redis Trigger.
//
// Subscriptions come from XENTRI_N8N_SUBSCRIPTIONS (ParseSubscriptions,
// operator-controlled, all orgs) and from the API (org-scoped; their URLs
// must pass ValidateURL with allowPrivate=false).
package n8n
