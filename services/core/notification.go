package core

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
)

// Notification is what the shell's bell shows an org's members.
type Notification struct {
	ID        uuid.UUID  `json:"id"`
	Kind      string     `json:"kind"` // followup_due | high_value_lead
	Title     string     `json:"title"`
	SubjectID *uuid.UUID `json:"subject_id"` // the lead, for both kinds so far
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// Notify adds a notification to the org of tx, in the transaction of the
// change it reports.
func Notify(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, kind, title string, subject *uuid.UUID) error {
	if len(title) > 300 {
		title = title[:297] + "..."
	}
	return dbsqlc.New(tx).CreateNotification(ctx, dbsqlc.CreateNotificationParams{
		ID: uuid.Must(uuid.NewV7()), OrgID: orgID, Kind: kind, Title: title, SubjectID: subject,
	})
}

// Notifications pages through the org's notifications, unread only on ask.
func (s *Service) Notifications(ctx context.Context, tx pgx.Tx, m Membership, unreadOnly bool, page Page) ([]Notification, string, error) {
	rows, err := dbsqlc.New(tx).ListNotifications(ctx, dbsqlc.ListNotificationsParams{OrgID: m.OrgID, UnreadOnly: unreadOnly, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := Paginate(rows, page.Limit, func(r dbsqlc.Notification) uuid.UUID { return r.ID }, func(r dbsqlc.Notification) Notification {
		return Notification{ID: r.ID, Kind: r.Kind, Title: r.Title, SubjectID: r.SubjectID, ReadAt: r.ReadAt, CreatedAt: r.CreatedAt}
	})
	return out, next, nil
}

// MarkRead marks a notification read (once; the first reader is kept).
func (s *Service) MarkRead(ctx context.Context, tx pgx.Tx, m Membership, id uuid.UUID) error {
	var reader *uuid.UUID
	if m.Principal.Token == nil {
		reader = &m.Principal.UserID
	}
	n, err := dbsqlc.New(tx).MarkNotificationRead(ctx, dbsqlc.MarkNotificationReadParams{OrgID: m.OrgID, ID: id, ReadBy: reader})
	if err != nil {
		return err
	}
	if n == 0 {
		return services.Errorf(services.NotFound, "This organisation has no such notification.")
	}
	return nil
}
