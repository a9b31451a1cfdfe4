// Package integrations manages how an org's events reach its automations:
// the n8n webhook subscriptions made through the API, and the bridge that
// delivers every event to the subscriptions that match it.
package integrations

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/n8n"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/core"
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
	// AllowPrivateURLs lets subscriptions point at loopback and private
	// addresses: on for a developer's machine (n8n on 127.0.0.1:5678), off
	// in staging and production, where such a URL would let a tenant make
	// Xentri call into its own network.
	AllowPrivateURLs bool
}

// List pages through the org's subscriptions.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m core.Membership, page core.Page) ([]Subscription, string, error) {
	if !m.Principal.Allows("integrations:read") {
		return nil, "", services.Errorf(services.Forbidden, "This API token lacks the integrations:read scope.")
	}
	rows, err := dbsqlc.New(tx).ListN8NSubscriptions(ctx, dbsqlc.ListN8NSubscriptionsParams{OrgID: m.OrgID, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := core.Paginate(rows, page.Limit, func(r dbsqlc.N8nSubscription) uuid.UUID { return r.ID },
		func(r dbsqlc.N8nSubscription) Subscription {
			return Subscription{ID: r.ID, Pattern: r.Pattern, URL: r.Url, CreatedAt: r.CreatedAt}
		})
	return out, next, nil
}

// Create subscribes url to the org's events matching pattern. Owners and
// admins may, and tokens with integrations:write (n8n registering itself).
func (s *Service) Create(ctx context.Context, tx pgx.Tx, m core.Membership, pattern, url string) (Subscription, error) {
	if err := canManage(m); err != nil {
		return Subscription{}, err
	}
	fields := map[string]string{}
	if err := n8n.ValidatePattern(pattern); err != nil {
		fields["pattern"] = "must be an event type, or one ending in .* (xentri.lead.*), or *"
	}
	if err := n8n.ValidateURL(url, s.AllowPrivateURLs); err != nil {
		if errors.Is(err, n8n.ErrNonPublicURL) {
			fields["url"] = "must be a public http(s) address"
		} else {
			fields["url"] = "must be an http(s) URL without credentials or fragment"
		}
	}
	if len(fields) > 0 {
		return Subscription{}, &services.Error{Code: services.Invalid, Message: "The subscription has invalid fields.", Fields: fields}
	}
	var creator *uuid.UUID
	if m.Principal.Token == nil {
		creator = &m.Principal.UserID
	}
	row, err := dbsqlc.New(tx).CreateN8NSubscription(ctx, dbsqlc.CreateN8NSubscriptionParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: m.OrgID, Pattern: pattern, Url: url, CreatedBy: creator,
	})
	if db.IsUniqueViolation(err) {
		return Subscription{}, services.Errorf(services.Conflict, "This URL is already subscribed to %s.", pattern)
	}
	if err != nil {
		return Subscription{}, fmt.Errorf("create subscription: %w", err)
	}
	return Subscription{ID: row.ID, Pattern: row.Pattern, URL: row.Url, CreatedAt: row.CreatedAt}, nil
}

// Delete ends a subscription.
func (s *Service) Delete(ctx context.Context, tx pgx.Tx, m core.Membership, id uuid.UUID) error {
	if err := canManage(m); err != nil {
		return err
	}
	n, err := dbsqlc.New(tx).DeleteN8NSubscription(ctx, dbsqlc.DeleteN8NSubscriptionParams{OrgID: m.OrgID, ID: id})
	if err != nil {
		return err
	}
	if n == 0 {
		return services.Errorf(services.NotFound, "This organisation has no such subscription.")
	}
	return nil
}

func canManage(m core.Membership) error {
	if m.Principal.Token != nil {
		if !m.Principal.Allows("integrations:write") {
			return services.Errorf(services.Forbidden, "This API token lacks the integrations:write scope.")
		}
		return nil
	}
	if !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins can manage integrations.")
	}
	return nil
}

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
		rows, err := dbsqlc.New(tx).ListN8NSubscriptions(ctx, dbsqlc.ListN8NSubscriptionsParams{OrgID: orgID, Lim: 1000})
		for _, r := range rows {
			s := n8n.Subscription{ID: r.ID.String(), OrgID: r.OrgID.String(), Pattern: r.Pattern, URL: r.Url}
			if s.Matches(e) {
				out = append(out, s)
			}
		}
		return err
	})
	return out, err
}
