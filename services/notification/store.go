package notification

import (
	"context"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/paging"
)

// ErrNotFound answers for a notification the org does not have.
var ErrNotFound = services.Errorf(services.NotFound, "This organisation has no such notification.")

// store runs the notification queries in one transaction.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

func (s store) add(ctx context.Context, orgID uuid.UUID, kind, title string, subject *uuid.UUID) error {
	err := s.q.CreateNotification(ctx, dbsqlc.CreateNotificationParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Kind: kind, Title: title, SubjectID: subject,
	})
	return db.Interpret("add notification", err, nil)
}

func (s store) list(ctx context.Context, orgID uuid.UUID, unreadOnly bool, page paging.Page) ([]Notification, string, error) {
	rows, err := s.q.ListNotifications(ctx, dbsqlc.ListNotificationsParams{OrgID: orgID, UnreadOnly: unreadOnly, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list notifications", err, nil)
	}
	items, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.Notification) uuid.UUID { return r.ID }, fromRow)
	return items, next, nil
}

func (s store) markRead(ctx context.Context, orgID, id uuid.UUID, reader *uuid.UUID) error {
	n, err := s.q.MarkNotificationRead(ctx, dbsqlc.MarkNotificationReadParams{OrgID: orgID, ID: id, ReadBy: reader})
	if err != nil {
		return db.Interpret("mark notification read", err, nil)
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}

func (s store) unread(ctx context.Context, orgID uuid.UUID) (int, error) {
	n, err := s.q.CountUnreadNotifications(ctx, orgID)
	return int(n), db.Interpret("count unread notifications", err, nil)
}

func (s store) markAllRead(ctx context.Context, orgID uuid.UUID, reader *uuid.UUID) (int, error) {
	n, err := s.q.MarkAllNotificationsRead(ctx, dbsqlc.MarkAllNotificationsReadParams{OrgID: orgID, ReadBy: reader})
	return int(n), db.Interpret("mark all notifications read", err, nil)
}

func fromRow(r dbsqlc.Notification) Notification {
	return Notification{ID: r.ID, Kind: r.Kind, Title: r.Title, SubjectID: r.SubjectID, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt}
}
