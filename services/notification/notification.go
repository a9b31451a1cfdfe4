// Package notification is the shell's bell: what an org's members are told
// (a follow-up falling due, a high-value lead), and which they have read.
// Other contexts Add notifications in the transaction of the change they
// report.
package notification

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// The kinds of notification.
const (
	KindFollowUpDue   = "followup_due"
	KindHighValueLead = "high_value_lead"
)

// maxTitle bounds a title; a longer one is cut with an ellipsis.
const maxTitle = 300

// Notification is what the shell's bell shows an org's members.
type Notification struct {
	ID        uuid.UUID  `json:"id"`
	Kind      string     `json:"kind"` // followup_due | high_value_lead
	Title     string     `json:"title"`
	SubjectID *uuid.UUID `json:"subject_id"` // the lead, for both kinds so far
	ReadAt    *time.Time `json:"read_at"`
	CreatedAt time.Time  `json:"created_at"`
}

// Add notifies the org of tx, in the transaction of the change it reports.
func Add(ctx context.Context, tx pgx.Tx, orgID uuid.UUID, kind, title string, subject *uuid.UUID) error {
	if len(title) > maxTitle {
		// Cut at a character boundary: half a character is not UTF-8,
		// and Postgres refuses the whole row.
		cut := maxTitle - 3
		for cut > 0 && !utf8.RuneStart(title[cut]) {
			cut--
		}
		title = title[:cut] + "..."
	}
	if err := storeIn(tx).add(ctx, orgID, kind, title, subject); err != nil {
		return fmt.Errorf("add notification: %w", err)
	}
	return nil
}

// Service lists notifications and marks them read, in the org gate's
// transaction.
type Service struct{}

// List pages through the org's notifications, unread only on ask.
func (s *Service) List(ctx context.Context, tx pgx.Tx, m access.Membership, unreadOnly bool, page paging.Page) ([]Notification, string, error) {
	items, next, err := storeIn(tx).list(ctx, m.OrgID, unreadOnly, page)
	if err != nil {
		return nil, "", fmt.Errorf("list notifications: %w", err)
	}
	return items, next, nil
}

// MarkRead marks a notification read (once; the first reader is kept).
func (s *Service) MarkRead(ctx context.Context, tx pgx.Tx, m access.Membership, id uuid.UUID) error {
	if err := storeIn(tx).markRead(ctx, m.OrgID, id, m.Principal.UserRef()); err != nil {
		return fmt.Errorf("mark notification read: %w", err)
	}
	return nil
}

// Unread counts the org's unread notifications (the bell's badge).
func (s *Service) Unread(ctx context.Context, tx pgx.Tx, m access.Membership) (int, error) {
	n, err := storeIn(tx).unread(ctx, m.OrgID)
	if err != nil {
		return 0, fmt.Errorf("unread notifications: %w", err)
	}
	return n, nil
}

// MarkAllRead marks every unread notification of the org read, and says
// how many.
func (s *Service) MarkAllRead(ctx context.Context, tx pgx.Tx, m access.Membership) (int, error) {
	n, err := storeIn(tx).markAllRead(ctx, m.OrgID, m.Principal.UserRef())
	if err != nil {
		return 0, fmt.Errorf("mark all notifications read: %w", err)
	}
	return n, nil
}
