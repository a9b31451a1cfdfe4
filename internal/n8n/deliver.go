package n8n

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/redis/go-redis/v9"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
)

// Defaults of DelivererConfig.
const (
	DefaultDeadLetter    = "n8n:dlq"
	DefaultPubSubChannel = "xentri.events"
	DefaultAttempts      = 3
	DefaultTimeout       = 10 * time.Second

	// MaxRetryAfter caps how long a receiver's Retry-After makes us wait.
	MaxRetryAfter = 30 * time.Second
	// ExcerptLen is how much of a receiver's answer a dead letter keeps.
	ExcerptLen = 512
)

// Dead letter stream fields.
const (
	DLQEventID        = "event_id"
	DLQEventType      = "event_type"
	DLQOrgID          = "org_id"
	DLQSubscriptionID = "subscription_id"
	DLQURL            = "url"
	DLQStatus         = "status"
	DLQError          = "error"
	DLQBodyExcerpt    = "body_excerpt"
	DLQAttempts       = "attempts"
	DLQFailedAt       = "failed_at"
	DLQEnvelope       = contracts.FieldEnvelope
)

// Errors of the Deliverer, for errors.Is.
var (
	ErrSubscriptionMismatch = errors.New("subscription does not match the event")
	ErrDeadLetterNotFound   = errors.New("dead letter not found")
)

// DelivererConfig configures NewDeliverer; zero fields take the defaults.
type DelivererConfig struct {
	Signer *Signer // required
	// Client, when set, makes every delivery, the operator's and orgs'
	// alike, with no address check of ours. The default: DefaultTimeout,
	// redirects not followed, and for orgs' subscriptions a dialer that
	// refuses non-public addresses outside Allow.
	Client *http.Client
	Redis  *redis.Client // required: the dead letters and the pub/sub channel
	// Allow lists the non-public ranges (loopback, private, ...) that orgs'
	// subscriptions may still be delivered to; IPv4 ranges as IPv4. Empty,
	// they reach public addresses only. Operator subscriptions
	// (Subscription.Operator) are not checked.
	Allow []netip.Prefix
	// DeadLetter is the stream of failed deliveries (default n8n:dlq).
	DeadLetter string
	// PubSubChannel is where Publish sends every event (default xentri.events).
	PubSubChannel string
	// Attempts is the number of tries per round (default 3).
	Attempts int
	// Backoff is the wait after failed attempt n (1-based) before the next;
	// default 1s, 2s, 4s, ... A receiver's Retry-After, up to MaxRetryAfter,
	// lengthens it.
	Backoff func(attempt int) time.Duration
	Log     zerolog.Logger
}

// Deliverer POSTs events to n8n webhooks and publishes them on the
// pub/sub channel.
type Deliverer struct {
	signer     *Signer
	client     *http.Client // orgs' subscriptions
	operator   *http.Client // the operator's: may be private, not checked
	rdb        *redis.Client
	deadLetter string
	channel    string
	attempts   int
	backoff    func(int) time.Duration
	log        zerolog.Logger
}

// NewDeliverer fills cfg's defaults. It panics if Signer or Redis is nil:
// that is a wiring mistake, not a runtime condition.
func NewDeliverer(cfg DelivererConfig) *Deliverer {
	if cfg.Signer == nil || cfg.Redis == nil {
		panic("n8n.NewDeliverer: Signer and Redis are required")
	}
	client, operator := cfg.Client, cfg.Client
	if client == nil {
		client, operator = guardedClient(cfg.Allow), plainClient()
	}
	attempts := cfg.Attempts
	if attempts <= 0 {
		attempts = DefaultAttempts
	}
	backoff := cfg.Backoff
	if backoff == nil {
		backoff = exponentialBackoff
	}
	return &Deliverer{
		signer:     cfg.Signer,
		client:     client,
		operator:   operator,
		rdb:        cfg.Redis,
		deadLetter: cmp.Or(cfg.DeadLetter, DefaultDeadLetter),
		channel:    cmp.Or(cfg.PubSubChannel, DefaultPubSubChannel),
		attempts:   attempts,
		backoff:    backoff,
		log:        cfg.Log,
	}
}

func exponentialBackoff(attempt int) time.Duration {
	return time.Second << min(max(attempt-1, 0), 5)
}

// DeliveryError is a round of attempts that did not get a 2xx.
type DeliveryError struct {
	Attempts int
	Status   int // the last attempt's HTTP status, 0 when it got no answer
	// BodyExcerpt is the start of the last attempt's answer (ExcerptLen
	// bytes at most, valid UTF-8).
	BodyExcerpt string
	Err         error
}

func (e *DeliveryError) Error() string {
	return fmt.Sprintf("n8n delivery failed after %d attempt(s): %v", e.Attempts, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// Deliver POSTs e's JSON to sub.URL, up to Attempts times. Success is any
// 2xx. An address the dialer refuses (see Allow) gives up at once; other
// network errors, 408, 429 and 5xx are retried after Backoff (or the
// receiver's Retry-After, up to MaxRetryAfter); any other answer gives up
// at once. A round that fails ends as one entry in the dead letter stream,
// and Deliver returns nil: the event is dealt with. It returns an error
// only when the event must not be acknowledged: the dead letter write
// failed, ctx ended (shutdown: the event is delivered again later, and
// receivers dedupe by event id), or sub does not match e.
func (d *Deliverer) Deliver(ctx context.Context, sub Subscription, e contracts.Envelope) error {
	if !sub.Matches(e) {
		return fmt.Errorf("n8n deliver %s to %s: %w", e.ID, sub.ID, ErrSubscriptionMismatch)
	}
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("n8n deliver %s: marshal: %w", e.ID, err)
	}
	derr, err := d.round(ctx, sub, e, body)
	if err != nil || derr == nil {
		return err
	}
	return d.writeDeadLetter(ctx, sub, e, body, derr)
}

// Publish sends e's JSON on the pub/sub channel, for n8n's Redis Trigger.
// Pub/sub keeps nothing: a subscriber that is away misses the event.
func (d *Deliverer) Publish(ctx context.Context, e contracts.Envelope) error {
	body, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("n8n publish %s: marshal: %w", e.ID, err)
	}
	if err := d.rdb.Publish(ctx, d.channel, body).Err(); err != nil {
		return fmt.Errorf("n8n publish %s: %w", e.ID, err)
	}
	return nil
}

// round makes up to d.attempts attempts. It returns a DeliveryError when
// they all failed, and an error of its own only when ctx ended.
func (d *Deliverer) round(ctx context.Context, sub Subscription, e contracts.Envelope, body []byte) (*DeliveryError, error) {
	for attempt := 1; ; attempt++ {
		r := d.try(ctx, sub, e, body)
		if r.err == nil {
			d.log.Debug().Ctx(ctx).Str("event_id", e.ID).Str("org_id", e.OrgID).Str("trace_id", e.TraceID).
				Str("subscription_id", sub.ID).Int("attempt", attempt).Int("status", r.status).Msg("n8n delivery")
			return nil, nil
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("n8n deliver %s: %w", e.ID, err)
		}
		d.log.Warn().Ctx(ctx).Str("event_id", e.ID).Str("org_id", e.OrgID).Str("trace_id", e.TraceID).
			Str("subscription_id", sub.ID).Int("attempt", attempt).Int("status", r.status).Bool("retryable", r.retryable).
			Err(r.err).Msg("n8n delivery attempt failed")
		if !r.retryable || attempt >= d.attempts {
			return &DeliveryError{Attempts: attempt, Status: r.status, BodyExcerpt: r.excerpt, Err: r.err}, nil
		}
		wait := max(d.backoff(attempt), min(r.retryAfter, MaxRetryAfter))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("n8n deliver %s: %w", e.ID, ctx.Err())
		case <-t.C:
		}
	}
}

type result struct {
	status     int
	excerpt    string
	err        error
	retryable  bool
	retryAfter time.Duration
}

// try makes one attempt, signed afresh.
func (d *Deliverer) try(ctx context.Context, sub Subscription, e contracts.Envelope, body []byte) result {
	h, err := d.signer.Headers(e, body)
	if err != nil {
		return result{err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, sub.URL, bytes.NewReader(body))
	if err != nil {
		return result{err: fmt.Errorf("request to %s: %w", redactURL(sub.URL), ErrInvalidURL)}
	}
	req.Header = h
	client := d.client
	if sub.Operator {
		client = d.operator
	}
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = fmt.Errorf("%s %s: %w", uerr.Op, redactURL(sub.URL), uerr.Err) // url.Error repeats the query
		}
		// A refused address stays refused: trying again only delays the
		// dead letter.
		return result{err: err, retryable: !errors.Is(err, ErrNonPublicURL)}
	}
	defer resp.Body.Close()
	head, _ := io.ReadAll(io.LimitReader(resp.Body, ExcerptLen))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	r := result{status: resp.StatusCode, excerpt: excerpt(head, len(head) == ExcerptLen)}
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return r
	}
	r.err = fmt.Errorf("receiver answered %s", resp.Status)
	switch {
	case resp.StatusCode == http.StatusRequestTimeout, resp.StatusCode == http.StatusTooManyRequests,
		resp.StatusCode >= 500 && resp.StatusCode <= 599:
		r.retryable = true
		r.retryAfter = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	return r
}

// parseRetryAfter reads delay-seconds or an HTTP date; 0 when absent or
// unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.Duration(min(max(n, 0), 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0)
	}
	return 0
}

// excerpt makes b valid UTF-8 of at most ExcerptLen bytes; truncated says
// b was cut, so a rune split at its end is dropped rather than replaced.
func excerpt(b []byte, truncated bool) string {
	if truncated {
		for i := len(b) - 1; i >= 0 && i >= len(b)-utf8.UTFMax; i-- {
			if utf8.RuneStart(b[i]) {
				if !utf8.FullRune(b[i:]) {
					b = b[:i]
				}
				break
			}
		}
	}
	s := strings.ToValidUTF8(string(b), "\uFFFD")
	for len(s) > ExcerptLen {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

// redactURL drops the userinfo, query and fragment, which may carry secrets
// (n8n webhook URLs sometimes take a token as a query parameter).
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable url)"
	}
	u.User, u.RawQuery, u.ForceQuery, u.Fragment, u.RawFragment = nil, "", false, "", ""
	return u.String()
}
