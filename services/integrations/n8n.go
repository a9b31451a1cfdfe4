// Package integrations manages how an org's events reach its automations:
// the n8n webhook subscriptions made through the API, and the bridge that
// delivers every event to the subscriptions that match it.
package integrations

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// Subscription is an org's n8n webhook subscription.
type Subscription struct {
	ID        uuid.UUID `json:"id"`
	Pattern   string    `json:"pattern"`
	URL       string    `json:"url"`
	CreatedAt time.Time `json:"created_at"`
}

// Service manages subscriptions.
type Service struct {
	// Outbound are the non-public address ranges subscriptions may point
	// at (config.OutboundAllowed: XENTRI_OUTBOUND_ALLOW, and everything on
	// a developer's machine, where n8n is on 127.0.0.1:5678). Elsewhere
	// such a URL would let a tenant make Xentri call into its own network;
	// the bridge's dialer checks the same list on every connection.
	Outbound []netip.Prefix
}

// List pages through the org's subscriptions.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]Subscription, string, error) {
	if err := m.Need(access.ScopeIntegrationsRead); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).subscriptions(ctx, m.OrgID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list subscriptions: %w", err)
	}
	return out, next, nil
}

// Create subscribes url to the org's events matching pattern. Owners and
// admins may, and tokens with integrations:write (n8n registering itself).
func (s *Service) Create(ctx context.Context, tx pgx.Tx, m access.Membership, pattern, url string) (Subscription, error) {
	if err := canManage(m); err != nil {
		return Subscription{}, err
	}
	fields := map[string]string{}
	if err := n8n.ValidatePattern(pattern); err != nil {
		fields["pattern"] = "must be an event type, or one ending in .* (xentri.lead.*), or *"
	}
	if err := n8n.ValidateURL(url, s.Outbound); err != nil {
		if errors.Is(err, n8n.ErrNonPublicURL) {
			fields["url"] = "must be a public http(s) address"
		} else {
			fields["url"] = "must be an http(s) URL without credentials or fragment"
		}
	}
	if len(fields) > 0 {
		return Subscription{}, &services.Error{Code: services.Invalid, Message: "The subscription has invalid fields.", Fields: fields}
	}
	sub, err := storeIn(tx).createSubscription(ctx, m.OrgID, pattern, url, m.Principal.UserRef())
	if errors.Is(err, errSubscribed) {
		return Subscription{}, services.Errorf(services.Conflict, "This URL is already subscribed to %s.", pattern)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("create subscription: %w", err)
	}
	return sub, nil
}

// Delete ends a subscription.
func (s *Service) Delete(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) error {
	if err := canManage(m); err != nil {
		return err
	}
	if err := storeIn(tx).deleteSubscription(ctx, m.OrgID, id); err != nil {
		return fmt.Errorf("delete subscription: %w", err)
	}
	return nil
}

// canManage: owners and admins, and tokens with integrations:write (n8n
// registering itself).
func canManage(m access.Membership) error {
	return m.NeedManager(access.ScopeIntegrationsWrite, "integrations")
}

// maxSubscriptionsPerOrg bounds the subscriptions the bridge reads for an
// event.
const maxSubscriptionsPerOrg = 1000

// Bridge delivers events to n8n: every event is PUBLISHed on the pub/sub
// channel for n8n's Redis Trigger, and POSTed to each subscription that
// matches it, from the environment or from the org's own.
type Bridge struct {
	DB        *db.DB
	Deliverer *n8n.Deliverer
	Static    []n8n.Subscription // XENTRI_N8N_SUBSCRIPTIONS
	Log       zerolog.Logger
}

// Handle is the handler of the "n8n-bridge" consumer group. An error (the
// dead-letter stream itself failing) leaves the event for a retry.
func (b *Bridge) Handle(ctx context.Context, e contracts.Envelope) error {
	if err := b.Deliverer.Publish(ctx, e); err != nil {
		return fmt.Errorf("publish: %w", err)
	}
	subs, err := b.subscriptionsFor(ctx, e)
	if err != nil {
		return err
	}
	for _, sub := range subs {
		if err := b.Deliverer.Deliver(ctx, sub, e); err != nil {
			return fmt.Errorf("deliver to %s: %w", sub.ID, err)
		}
	}
	return nil
}

func (b *Bridge) subscriptionsFor(ctx context.Context, e contracts.Envelope) ([]n8n.Subscription, error) {
	var out []n8n.Subscription
	for _, s := range b.Static {
		if s.Matches(e) {
			out = append(out, s)
		}
	}
	orgID, err := uuid.Parse(e.OrgID)
	if err != nil {
		return out, nil
	}
	err = b.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		subs, _, err := storeIn(tx).subscriptions(ctx, orgID, paging.Page{Limit: maxSubscriptionsPerOrg})
		for _, sub := range subs {
			s := n8n.Subscription{ID: sub.ID.String(), OrgID: orgID.String(), Pattern: sub.Pattern, URL: sub.URL}
			if s.Matches(e) {
				out = append(out, s)
			}
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("org subscriptions: %w", err)
	}
	return out, nil
}
