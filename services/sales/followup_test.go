package sales_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"
	"go.temporal.io/sdk/temporal"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services/sales"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestADueStepIsRecordedOnce: a retried activity (same step key) leaves one
// follow-up, one timeline entry, one notification and one event.
func TestADueStepIsRecordedOnce(t *testing.T) {
	d := testenv.DB(t)
	ctx := context.Background()
	org, lead := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	err := d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if _, err := q.CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: org, Name: "o"}); err != nil {
			return err
		}
		email := "lead@example.test"
		_, err := q.CreateLead(ctx, dbsqlc.CreateLeadParams{ID: lead, OrgID: org, Name: "Grace", Email: &email, Source: "manual"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	f := &sales.FollowUps{DB: d.App, Events: &events.Writer{Log: zerolog.Nop()}}
	due := activities.FollowUpDue{OrgID: org.String(), LeadID: lead.String(), Step: 1, DueAt: time.Now().UTC(), Key: "lead-followup/x/1/t"}
	for range 2 {
		if err := f.RecordFollowUpDue(ctx, due); err != nil {
			t.Fatal(err)
		}
	}
	for table, want := range map[string]int{"lead_followups": 1, "lead_activities": 1, "notifications": 1, "system_events": 1} {
		var n int
		if err := d.Owner.QueryRow(ctx, "SELECT count(*) FROM "+table+" WHERE org_id = $1", org).Scan(&n); err != nil || n != want {
			t.Errorf("%s: %d rows (err %v), want %d", table, n, err, want)
		}
	}
	var typ string
	_ = d.Owner.QueryRow(ctx, "SELECT type FROM system_events WHERE org_id = $1", org).Scan(&typ)
	if typ != "xentri.followup.scheduled.v1" {
		t.Errorf("event %q", typ)
	}
	// A lead that is gone ends the workflow: a final, typed error.
	due.LeadID, due.Key = uuid.NewString(), "other"
	var appErr *temporal.ApplicationError
	if err := f.RecordFollowUpDue(ctx, due); !errors.As(err, &appErr) || appErr.Type() != activities.ErrLeadGone || !appErr.NonRetryable() {
		t.Fatalf("gone lead: %v", err)
	}
}

// TestThePlanFollowsTheOrgsSettings: the FollowUpPlan activity answers the
// default cadence until the org stores its own, and then that one, with the
// configured day length.
func TestThePlanFollowsTheOrgsSettings(t *testing.T) {
	d := testenv.DB(t)
	ctx := context.Background()
	org := uuid.Must(uuid.NewV7())
	if err := d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: org, Name: "o"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	p := &sales.Planner{DB: d.App, Day: time.Minute}
	plan, err := p.FollowUpPlan(ctx, org.String())
	if err != nil || fmt.Sprint(plan.Cadence) != "[1 3 7]" || plan.Day != time.Minute {
		t.Fatalf("plan without settings = %+v, %v; want [1 3 7] and a minute", plan, err)
	}
	if err := d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).PutSalesSettings(ctx, dbsqlc.PutSalesSettingsParams{OrgID: org, FollowupCadenceDays: []int32{2, 9}})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if plan, err = p.FollowUpPlan(ctx, org.String()); err != nil || fmt.Sprint(plan.Cadence) != "[2 9]" {
		t.Fatalf("plan with settings = %+v, %v; want [2 9]", plan, err)
	}
	var appErr *temporal.ApplicationError
	if _, err := p.FollowUpPlan(ctx, "not-an-org"); !errors.As(err, &appErr) || !appErr.NonRetryable() {
		t.Fatalf("a malformed org: %v, want a non-retryable error", err)
	}
}
