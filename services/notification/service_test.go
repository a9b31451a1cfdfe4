package notification_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/notification"
	"github.com/xentri/xentri/services/paging"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is what a notification test works with besides the service:
// the database (the owner pool to arrange and inspect, bypassing RLS) and
// an org of its own with an owner.
type testBundle struct {
	db    *testenv.Database
	org   uuid.UUID
	owner access.Membership
}

// setup returns the notification service and a fresh org.
func setup(t *testing.T) (*notification.Service, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	org := uuid.Must(uuid.NewV7())
	if _, err := d.Owner.Exec(context.Background(), `INSERT INTO orgs (id, name) VALUES ($1, 'test org')`, org); err != nil {
		t.Fatal(err)
	}
	b := &testBundle{db: d, org: org}
	b.owner = b.member(t, access.RoleOwner)
	return &notification.Service{}, b
}

// member stores a user and returns their membership of the bundle's org,
// as the org gate would make it.
func (b *testBundle) member(t *testing.T, role access.Role) access.Membership {
	t.Helper()
	user := uuid.Must(uuid.NewV7())
	if _, err := b.db.Owner.Exec(context.Background(), `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	return access.Membership{OrgID: b.org, Role: role, Principal: access.Principal{UserID: user}}
}

// add notifies the bundle's org in a tenant transaction of its own, as the
// change it reports would.
func (b *testBundle) add(t *testing.T, title string) uuid.UUID {
	t.Helper()
	subject := uuid.New()
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		return notification.Add(ctx, tx, b.org, notification.KindFollowUpDue, title, &subject)
	})
	if err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT id FROM notifications WHERE subject_id = $1`, subject).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func (b *testBundle) list(t *testing.T, svc *notification.Service, unread bool, page paging.Page) ([]notification.Notification, string) {
	t.Helper()
	var (
		out  []notification.Notification
		next string
	)
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		out, next, err = svc.List(ctx, tx, b.owner, unread, page)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, next
}

func (b *testBundle) markRead(svc *notification.Service, m access.Membership, id uuid.UUID) error {
	return b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		return svc.MarkRead(ctx, tx, m, id)
	})
}

// readState is what is stored of a notification's reading.
func (b *testBundle) readState(t *testing.T, id uuid.UUID) (at *time.Time, by *uuid.UUID) {
	t.Helper()
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT read_at, read_by FROM notifications WHERE id = $1`, id).Scan(&at, &by); err != nil {
		t.Fatal(err)
	}
	return at, by
}

func idsOf(ns []notification.Notification) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(ns))
	for _, n := range ns {
		ids = append(ids, n.ID)
	}
	return ids
}

// TestNotificationsArePagedAndUnreadOnesFiltered: every page is in order
// with a cursor to the next, and a read notification leaves the unread
// list but stays in the full one.
func TestNotificationsArePagedAndUnreadOnesFiltered(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ids := []uuid.UUID{b.add(t, "one"), b.add(t, "two"), b.add(t, "three")}

	first, next := b.list(t, svc, false, paging.Page{Limit: 2})
	after, err := paging.DecodeCursor(next)
	if err != nil || !slices.Equal(idsOf(first), ids[:2]) {
		t.Fatalf("first page %v, cursor %q (%v); want %v", idsOf(first), next, err, ids[:2])
	}
	if n := first[0]; n.Kind != notification.KindFollowUpDue || n.Title != "one" || n.SubjectID == nil || n.ReadAt != nil {
		t.Errorf("notification = %+v", n)
	}
	rest, next := b.list(t, svc, false, paging.Page{Limit: 2, After: &after})
	if !slices.Equal(idsOf(rest), ids[2:]) || next != "" {
		t.Fatalf("second page %v, next %q; want %v and the end", idsOf(rest), next, ids[2:])
	}

	if err := b.markRead(svc, b.owner, ids[1]); err != nil {
		t.Fatal(err)
	}
	unread, _ := b.list(t, svc, true, paging.Page{Limit: 10})
	if want := []uuid.UUID{ids[0], ids[2]}; !slices.Equal(idsOf(unread), want) {
		t.Fatalf("unread %v, want %v", idsOf(unread), want)
	}
	all, _ := b.list(t, svc, false, paging.Page{Limit: 10})
	if len(all) != 3 || all[1].ReadAt == nil {
		t.Fatalf("all = %+v, want three with the second read", all)
	}
}

// TestTheFirstReaderIsKept: a notification is the org's; any member may
// mark it read, and marking it again changes neither when nor by whom.
func TestTheFirstReaderIsKept(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	id := b.add(t, "a follow-up")
	if err := b.markRead(svc, b.owner, id); err != nil {
		t.Fatal(err)
	}
	at, by := b.readState(t, id)
	if at == nil || by == nil || *by != b.owner.Principal.UserID {
		t.Fatalf("after the first read: at %v by %v, want now by %s", at, by, b.owner.Principal.UserID)
	}
	other := b.member(t, access.RoleMember)
	if err := b.markRead(svc, other, id); err != nil {
		t.Fatalf("another member marking it read: %v", err)
	}
	at2, by2 := b.readState(t, id)
	if !at2.Equal(*at) || *by2 != *by {
		t.Fatalf("after a second read: at %v by %v, want %v by %v", at2, by2, at, by)
	}
}

// TestMarkReadFindsOnlyTheOrgsOwn: an unknown id and another org's
// notification are the same not-found, and the other org's stays unread.
func TestMarkReadFindsOnlyTheOrgsOwn(t *testing.T) {
	t.Parallel()
	svc, a := setup(t)
	_, b := setup(t)
	if err := a.markRead(svc, a.owner, uuid.New()); !errors.Is(err, notification.ErrNotFound) {
		t.Errorf("an unknown notification: %v, want ErrNotFound", err)
	}
	theirs := b.add(t, "B's")
	// A's owner, naming B's org, inside A's tenant transaction.
	intruder := access.Membership{OrgID: b.org, Role: access.RoleOwner, Principal: a.owner.Principal}
	if err := a.markRead(svc, intruder, theirs); !errors.Is(err, notification.ErrNotFound) {
		t.Errorf("B's notification from A: %v, want ErrNotFound", err)
	}
	if listed, _ := a.list(t, svc, false, paging.Page{Limit: 10}); len(listed) != 0 {
		t.Errorf("A lists %d notifications, want none (B's are B's)", len(listed))
	}
	if at, _ := b.readState(t, theirs); at != nil {
		t.Fatalf("B's notification was marked read from A's tenant")
	}
}

// TestALongTitleIsCutWithAnEllipsis, also where the cut falls inside a
// multi-byte character (a lead named in another script).
func TestALongTitleIsCutWithAnEllipsis(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	for name, title := range map[string]string{
		"ASCII":     strings.Repeat("a", 400),
		"multibyte": strings.Repeat("é", 200), // 400 bytes; byte 297 is inside an é
	} {
		b.add(t, title)
		got, _ := b.list(t, svc, false, paging.Page{Limit: paging.MaxLimit})
		stored := got[len(got)-1].Title
		if !utf8.ValidString(stored) || !strings.HasSuffix(stored, "...") || len(stored) > 300 ||
			!strings.HasPrefix(title, strings.TrimSuffix(stored, "...")) {
			t.Errorf("%s: stored %q (%d bytes)", name, stored, len(stored))
		}
	}
}

// TestTheBellCountsUnreadAndMarksAllRead: the badge counts the org's unread
// notifications, and "mark all read" marks only those, keeping the first
// reader of one read before.
func TestTheBellCountsUnreadAndMarksAllRead(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	first := b.add(t, "one")
	b.add(t, "two")
	b.add(t, "three")
	other := b.member(t, access.RoleMember)
	if err := b.markRead(svc, other, first); err != nil {
		t.Fatal(err)
	}
	unread := func() int {
		var n int
		if err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
			n, err = svc.Unread(ctx, tx, b.owner)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := unread(); n != 2 {
		t.Fatalf("unread = %d, want 2", n)
	}
	var marked int
	if err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		marked, err = svc.MarkAllRead(ctx, tx, b.owner)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if marked != 2 || unread() != 0 {
		t.Fatalf("marked %d, unread after %d; want 2 and 0", marked, unread())
	}
	if _, by := b.readState(t, first); by == nil || *by != other.Principal.UserID {
		t.Fatalf("the first reader was replaced: %v", by)
	}
}
