package integrations

import (
	"context"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

var (
	// ErrNoSubscription answers for a subscription the org does not have.
	ErrNoSubscription = services.Errorf(services.NotFound, "This organisation has no such subscription.")
	errSubscribed     = services.Errorf(services.Conflict, "This URL is already subscribed to the pattern.")
)

// store runs the subscription queries in one transaction.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

func (s store) subscriptions(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]Subscription, string, error) {
	rows, err := s.q.ListN8NSubscriptions(ctx, dbsqlc.ListN8NSubscriptionsParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list subscriptions", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.N8nSubscription) uuid.UUID { return r.ID }, fromRow)
	return out, next, nil
}

func (s store) createSubscription(ctx context.Context, orgID uuid.UUID, pattern, url string, by *uuid.UUID) (Subscription, error) {
	row, err := s.q.CreateN8NSubscription(ctx, dbsqlc.CreateN8NSubscriptionParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Pattern: pattern, Url: url, CreatedBy: by,
	})
	if db.IsUniqueViolation(err) {
		return Subscription{}, errSubscribed
	}
	if err != nil {
		return Subscription{}, db.Interpret("create subscription", err, nil)
	}
	return fromRow(row), nil
}

func (s store) deleteSubscription(ctx context.Context, orgID, id uuid.UUID) error {
	n, err := s.q.DeleteN8NSubscription(ctx, dbsqlc.DeleteN8NSubscriptionParams{OrgID: orgID, ID: id})
	if err == nil && n == 0 {
		return ErrNoSubscription
	}
	return db.Interpret("delete subscription", err, nil)
}

func fromRow(r dbsqlc.N8nSubscription) Subscription {
	return Subscription{ID: r.ID, Pattern: r.Pattern, URL: r.Url, CreatedAt: r.CreatedAt}
}
