package sales_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/events/stream"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/sales"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is what a sales test works with besides the service: the
// database (the owner pool to arrange and inspect, bypassing RLS) and an
// org of its own with an owner.
type testBundle struct {
	db    *testenv.Database
	org   uuid.UUID
	owner access.Membership
}

// setup returns the lead service on the real Postgres (no Temporal: no
// follow-ups start) and a fresh org.
func setup(t *testing.T) (*sales.Service, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	org, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	ctx := context.Background()
	if _, err := d.Owner.Exec(ctx, `INSERT INTO orgs (id, name) VALUES ($1, 'test org')`, org); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Owner.Exec(ctx, `INSERT INTO users (id, email) VALUES ($1, $2)`, user, user.String()+"@example.test"); err != nil {
		t.Fatal(err)
	}
	svc := &sales.Service{DB: d.App, Events: &events.Writer{Log: zerolog.Nop()}, Log: zerolog.Nop()}
	return svc, &testBundle{db: d, org: org,
		owner: access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}}
}

// inTenant runs fn in one tenant transaction of the bundle's org, as the
// org gate would.
func (b *testBundle) inTenant(t *testing.T, fn func(ctx context.Context, tx pgx.Tx) error) {
	t.Helper()
	if err := b.db.App.InTenant(context.Background(), b.org, fn); err != nil {
		t.Fatal(err)
	}
}

func (b *testBundle) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := b.db.Owner.QueryRow(context.Background(), "SELECT count(*) FROM "+table+" WHERE org_id = $1", b.org).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func (b *testBundle) createLead(t *testing.T, svc *sales.Service, name, email string) sales.Lead {
	t.Helper()
	var lead sales.Lead
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		lead, err = svc.Create(ctx, tx, b.owner, sales.LeadInput{Name: name, Email: &email})
		return err
	})
	return lead
}

func TestCreateValidatesAndRefusesASecondLeadWithTheSameEmail(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	lead := b.createLead(t, svc, "Ada", "ada@example.test")
	if lead.Status != sales.StatusNew || lead.Source != "manual" || lead.Version != 1 {
		t.Fatalf("new lead = %+v", lead)
	}
	ctx := context.Background()
	tests := []struct {
		name  string
		in    sales.LeadInput
		code  services.Code
		field string
	}{
		{"no name", sales.LeadInput{Name: " "}, services.Invalid, "name"},
		{"bad e-mail", sales.LeadInput{Name: "x", Email: ptr("not-an-address")}, services.Invalid, "email"},
		{"bad currency", sales.LeadInput{Name: "x", Value: &sales.Money{Amount: 1, Currency: "XXY"}}, services.Invalid, "value.currency"},
		{"same e-mail, other case", sales.LeadInput{Name: "x", Email: ptr("ADA@example.test")}, services.Conflict, "email"},
	}
	for _, tt := range tests {
		err := b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.Create(ctx, tx, b.owner, tt.in)
			return err
		})
		var se *services.Error
		if !errors.As(err, &se) || se.Code != tt.code || se.Fields[tt.field] == "" {
			t.Errorf("%s: %v, want %s naming %s", tt.name, err, tt.code, tt.field)
		}
	}
	if n := b.count(t, "leads"); n != 1 {
		t.Fatalf("%d leads stored, want 1", n)
	}
}

func TestATokenNeedsTheLeadScopes(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	reader := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: []string{access.ScopeLeadsRead}}}}
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Create(ctx, tx, reader, sales.LeadInput{Name: "x"})
		return err
	})
	if services.ErrorCode(err) != services.Forbidden {
		t.Fatalf("create with leads:read only: %v, want forbidden", err)
	}
}

// TestConcurrentStatusChangesEachRecordThePreviousOne: while one status
// change holds the lead, a second waits for it and then records the status
// the first left, not the one both read at the start.
func TestConcurrentStatusChangesEachRecordThePreviousOne(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	lead := b.createLead(t, svc, "Grace", "grace@example.test")
	ctx := context.Background()

	firstDone, releaseFirst := make(chan struct{}), make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(2)
	errs := make(chan error, 2)
	go func() { // the first change: made, then held open until released
		defer wg.Done()
		errs <- b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := svc.SetStatus(ctx, tx, b.owner, lead.ID, "contacted", nil, nil, 0); err != nil {
				return err
			}
			close(firstDone)
			<-releaseFirst
			return nil
		})
	}()
	<-firstDone
	go func() { // the second starts while the first is uncommitted
		defer wg.Done()
		errs <- b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.SetStatus(ctx, tx, b.owner, lead.ID, "won", nil, nil, 0)
			return err
		})
	}()
	time.Sleep(300 * time.Millisecond) // let the second reach the lead
	close(releaseFirst)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}

	rows, err := b.db.Owner.Query(ctx, `SELECT detail->>'from', detail->>'to' FROM lead_activities
		WHERE org_id = $1 AND lead_id = $2 AND kind = 'status_changed' ORDER BY id`, b.org, lead.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for rows.Next() {
		var from, to string
		if err := rows.Scan(&from, &to); err != nil {
			t.Fatal(err)
		}
		got = append(got, from+"->"+to)
	}
	if want := []string{"new->contacted", "contacted->won"}; !slices.Equal(got, want) {
		t.Fatalf("timeline %v, want %v: the second change did not see the first", got, want)
	}
}

func TestUpdateNeedsTheCurrentVersion(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	lead := b.createLead(t, svc, "Linus", "linus@example.test")
	var updated sales.Lead
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		updated, err = svc.Update(ctx, tx, b.owner, lead.ID, lead.Version, sales.LeadInput{Name: "Linus T", Email: lead.Email})
		return err
	})
	if updated.Version != lead.Version+1 || updated.Name != "Linus T" {
		t.Fatalf("updated = %+v", updated)
	}
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Update(ctx, tx, b.owner, lead.ID, lead.Version, sales.LeadInput{Name: "stale"})
		return err
	})
	if services.ErrorCode(err) != services.PreconditionFailed {
		t.Fatalf("stale update: %v, want precondition failed", err)
	}
	err = b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.Get(ctx, tx, b.owner, uuid.New())
		return err
	})
	if !errors.Is(err, sales.ErrNoLead) {
		t.Fatalf("unknown lead: %v, want ErrNoLead", err)
	}
}

// TestCaptureAnswersLikeAnyForm: an unknown org and the nil org are the
// same not-found; a second form from a known address is no error and adds
// nothing.
func TestCaptureAnswersLikeAnyForm(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	ctx := context.Background()
	for _, org := range []uuid.UUID{uuid.Nil, uuid.New()} {
		if err := svc.Capture(ctx, org, sales.LeadInput{Name: "x"}); !errors.Is(err, sales.ErrNoOrg) {
			t.Errorf("capture for org %s: %v, want ErrNoOrg", org, err)
		}
	}
	in := sales.LeadInput{Name: "Visitor", Email: ptr("visitor@example.test")}
	for range 2 {
		if err := svc.Capture(ctx, b.org, in); err != nil {
			t.Fatal(err)
		}
	}
	if n := b.count(t, "leads"); n != 1 {
		t.Fatalf("%d leads from two forms of one address, want 1", n)
	}
}

func TestSettingsAreForManagersAndValidated(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	var set sales.Settings
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		set, err = svc.GetSettings(ctx, tx, b.owner)
		return err
	})
	if fmt.Sprint(set.FollowUpCadenceDays) != "[1 3 7]" || set.Source != "default" {
		t.Fatalf("default settings = %+v", set)
	}
	member := b.owner
	member.Role = access.RoleMember
	ctx := context.Background()
	for name, c := range map[string]struct {
		m    access.Membership
		days []int
		code services.Code
	}{
		"a member":           {member, []int{2}, services.Forbidden},
		"not increasing":     {b.owner, []int{3, 3}, services.Invalid},
		"a day out of range": {b.owner, []int{0, 400}, services.Invalid},
	} {
		err := b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.PutSettings(ctx, tx, c.m, sales.Settings{FollowUpCadenceDays: c.days})
			return err
		})
		if services.ErrorCode(err) != c.code {
			t.Errorf("%s: %v, want %s", name, err, c.code)
		}
	}
}

// TestADueStepIsRecordedOnce: a retried activity (same step key) leaves one
// follow-up, one timeline entry, one notification and one event; a lead
// that is gone ends the workflow with a final, typed error.
func TestADueStepIsRecordedOnce(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	lead := b.createLead(t, svc, "Grace", "grace@example.test")
	before := b.count(t, "system_events")
	a := &activities.Sales{FollowUps: &sales.FollowUps{DB: b.db.App, Events: svc.Events}}
	ctx := context.Background()
	due := activities.FollowUpDue{OrgID: b.org.String(), LeadID: lead.ID.String(), Step: 1, DueAt: time.Now().UTC(), Key: "lead-followup/x/1/t"}
	for range 2 {
		if err := a.RecordFollowUpDue(ctx, due); err != nil {
			t.Fatal(err)
		}
	}
	for table, want := range map[string]int{"lead_followups": 1, "notifications": 1, "system_events": before + 1} {
		if n := b.count(t, table); n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
	var typ string
	_ = b.db.Owner.QueryRow(ctx, "SELECT type FROM system_events WHERE org_id = $1 ORDER BY occurred_at DESC LIMIT 1", b.org).Scan(&typ)
	if typ != contracts.EventFollowupScheduled {
		t.Errorf("event %q", typ)
	}
	due.LeadID, due.Key = uuid.NewString(), "other"
	var appErr *temporal.ApplicationError
	if err := a.RecordFollowUpDue(ctx, due); !errors.As(err, &appErr) || appErr.Type() != activities.ErrLeadGone || !appErr.NonRetryable() {
		t.Fatalf("gone lead: %v", err)
	}
}

// TestThePlanFollowsTheOrgsSettings: the plan is the default cadence until
// the org stores its own, and then that one, with the configured day.
func TestThePlanFollowsTheOrgsSettings(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	a := &activities.Sales{FollowUps: &sales.FollowUps{DB: b.db.App, Day: time.Minute}}
	ctx := context.Background()
	plan, err := a.PlanFollowUps(ctx, b.org.String())
	if err != nil || fmt.Sprint(plan.Cadence) != "[1 3 7]" || plan.Day != time.Minute {
		t.Fatalf("plan without settings = %+v, %v; want [1 3 7] and a minute", plan, err)
	}
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.PutSettings(ctx, tx, b.owner, sales.Settings{FollowUpCadenceDays: []int{2, 9}})
		return err
	})
	if plan, err = a.PlanFollowUps(ctx, b.org.String()); err != nil || fmt.Sprint(plan.Cadence) != "[2 9]" {
		t.Fatalf("plan with settings = %+v, %v; want [2 9]", plan, err)
	}
	var appErr *temporal.ApplicationError
	if _, err := a.PlanFollowUps(ctx, "not-an-org"); !errors.As(err, &appErr) || !appErr.NonRetryable() {
		t.Fatalf("a malformed org: %v, want a non-retryable error", err)
	}
}

// TestTheSignallerSendsUnreadableEventsToTheDeadLetterStream: an event it
// cannot read is a permanent failure, not a silent success.
func TestTheSignallerSendsUnreadableEventsToTheDeadLetterStream(t *testing.T) {
	t.Parallel()
	s := &sales.Signaller{} // no Temporal: neither event gets that far
	for name, payload := range map[string]string{
		"broken JSON":               `{"lead_id":`,
		"a lead id that is not one": `{"lead_id":"lead-7","status":"won","changes":["status"]}`,
	} {
		err := s.Handle(context.Background(), contracts.Envelope{Type: contracts.EventLeadUpdated, Payload: []byte(payload)})
		if !stream.IsPermanent(err) {
			t.Errorf("%s: %v, want a permanent error", name, err)
		}
	}
}

func ptr(s string) *string { return &s }

// TestAStatusChangeFromAStaleVersionIsRefused: a board that moved a card
// from an old read gets a 412, and nothing changes; without a version the
// change goes through as before.
func TestAStatusChangeFromAStaleVersionIsRefused(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	lead := b.createLead(t, svc, "Hedy", "hedy@example.test")
	ctx := context.Background()
	var moved sales.Lead
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		moved, err = svc.SetStatus(ctx, tx, b.owner, lead.ID, "contacted", nil, nil, lead.Version)
		return err
	})
	err := b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.SetStatus(ctx, tx, b.owner, lead.ID, "won", nil, nil, lead.Version)
		return err
	})
	if services.ErrorCode(err) != services.PreconditionFailed {
		t.Fatalf("a move from version %d after it became %d: %v, want PreconditionFailed", lead.Version, moved.Version, err)
	}
	err = b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := svc.SetStatus(ctx, tx, b.owner, lead.ID, "won", nil, nil, -1)
		return err
	})
	if services.ErrorCode(err) != services.Invalid {
		t.Fatalf("a negative version: %v, want Invalid", err)
	}
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
		got, err := svc.Get(ctx, tx, b.owner, lead.ID)
		if err == nil && got.Status != sales.StatusContacted {
			t.Errorf("after the refused moves the lead is %s, want contacted", got.Status)
		}
		return err
	})
}

// TestTheSummaryCountsTheBoardsColumns: every status in pipeline order,
// with its leads and their value by currency, under the list's filters.
func TestTheSummaryCountsTheBoardsColumns(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	money := func(amount int64, currency string) *sales.Money {
		return &sales.Money{Amount: amount, Currency: currency}
	}
	for i, in := range []sales.LeadInput{
		{Name: "Ada", Value: money(1000, "EUR")},
		{Name: "Bea", Value: money(2500, "EUR")},
		{Name: "Cy", Value: money(700, "USD")},
		{Name: "Dee"},
	} {
		email := fmt.Sprintf("summary%d@example.test", i)
		in.Email = &email
		b.inTenant(t, func(ctx context.Context, tx pgx.Tx) error {
			l, err := svc.Create(ctx, tx, b.owner, in)
			if err == nil && in.Name == "Dee" {
				_, err = svc.SetStatus(ctx, tx, b.owner, l.ID, "won", nil, nil, 0)
			}
			return err
		})
	}
	var cols []sales.Column
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		cols, err = svc.Summary(ctx, tx, b.owner, sales.Filter{})
		return err
	})
	if len(cols) != 5 || cols[0].Status != sales.StatusNew || cols[4].Status != sales.StatusLost {
		t.Fatalf("columns %+v", cols)
	}
	if cols[0].Leads != 3 || fmt.Sprint(cols[0].Value) != "[{EUR 3500} {USD 700}]" {
		t.Errorf("new: %+v, want 3 leads worth EUR 3500 and USD 700", cols[0])
	}
	if cols[3].Leads != 1 || len(cols[3].Value) != 0 || cols[1].Leads != 0 {
		t.Errorf("won %+v, contacted %+v", cols[3], cols[1])
	}
	q := "bea"
	b.inTenant(t, func(ctx context.Context, tx pgx.Tx) (err error) {
		cols, err = svc.Summary(ctx, tx, b.owner, sales.Filter{Query: &q})
		return err
	})
	if cols[0].Leads != 1 || fmt.Sprint(cols[0].Value) != "[{EUR 2500}]" {
		t.Errorf("filtered by q=bea: %+v", cols[0])
	}
}
