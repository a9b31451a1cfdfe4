package ops_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/rs/zerolog"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/internal/testenv"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/ops"
	"github.com/xentri/xentri/services/paging"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is what an ops test works with besides the service: the
// database (the owner pool to arrange and inspect, bypassing RLS) and an
// org of its own with an owner.
type testBundle struct {
	db    *testenv.Database
	org   uuid.UUID
	owner access.Membership
}

// setup returns the dead-letter service without Temporal (so a re-drive
// cannot start a run) and a fresh org.
func setup(t *testing.T) (*ops.Service, *testBundle) {
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
	svc := &ops.Service{WorkflowLink: func(id string) string { return "http://temporal.test/" + id }}
	return svc, &testBundle{db: d, org: org,
		owner: access.Membership{OrgID: org, Role: access.RoleOwner, Principal: access.Principal{UserID: user}}}
}

// letter arranges a dead letter of the bundle's org in status, as the
// worker's recorder would leave it.
func (b *testBundle) letter(t *testing.T, status string) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	_, err := b.db.Owner.Exec(context.Background(), `INSERT INTO dead_letters
		(id, org_id, workflow_type, workflow_id, run_id, task_queue, input, failure_type, failure_message, status)
		VALUES ($1, $2, 'LeadFollowUp', $4, 'run-1', 'xentri', '["a"]', 'T', 'it broke', $3)`,
		id, b.org, status, "lead-followup/"+id.String())
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (b *testBundle) status(t *testing.T, id uuid.UUID) string {
	t.Helper()
	var s string
	if err := b.db.Owner.QueryRow(context.Background(), `SELECT status FROM dead_letters WHERE id = $1`, id).Scan(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

func (b *testBundle) list(t *testing.T, svc *ops.Service, status *string, page paging.Page) ([]ops.DeadLetter, string) {
	t.Helper()
	var (
		out  []ops.DeadLetter
		next string
	)
	err := b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) (err error) {
		out, next, err = svc.List(ctx, tx, b.owner, status, page)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, next
}

func idsOf(letters []ops.DeadLetter) []uuid.UUID {
	ids := make([]uuid.UUID, 0, len(letters))
	for _, d := range letters {
		ids = append(ids, d.ID)
	}
	return ids
}

func TestDeadLettersAreListedByStatusAndPaged(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	open1, discarded, open2 := b.letter(t, ops.StatusOpen), b.letter(t, ops.StatusDiscarded), b.letter(t, ops.StatusOpen)

	all, _ := b.list(t, svc, nil, paging.Page{Limit: 10})
	if got := idsOf(all); !slices.Equal(got, []uuid.UUID{open1, discarded, open2}) {
		t.Fatalf("all letters %v, want the three in order", got)
	}
	if d := all[0]; d.OrgID != b.org || d.WorkflowType != "LeadFollowUp" || string(d.Input) != `["a"]` ||
		d.TemporalUIURL != "http://temporal.test/"+d.WorkflowID {
		t.Errorf("letter = %+v", d)
	}
	status := ops.StatusOpen
	if got, _ := b.list(t, svc, &status, paging.Page{Limit: 10}); !slices.Equal(idsOf(got), []uuid.UUID{open1, open2}) {
		t.Errorf("open letters %v, want %v", idsOf(got), []uuid.UUID{open1, open2})
	}
	first, next := b.list(t, svc, &status, paging.Page{Limit: 1})
	after, err := paging.DecodeCursor(next)
	if err != nil || len(first) != 1 {
		t.Fatalf("first page of one: %v, cursor %q (%v)", idsOf(first), next, err)
	}
	second, next := b.list(t, svc, &status, paging.Page{Limit: 1, After: &after})
	if !slices.Equal(idsOf(second), []uuid.UUID{open2}) || next != "" {
		t.Fatalf("second page %v, next %q; want [%s] and the end", idsOf(second), next, open2)
	}
}

// TestADeadLetterIsSettledOnce: a discarded letter can be neither
// discarded nor re-driven again; without Temporal a re-drive of an open
// letter is unavailable and leaves it open.
func TestADeadLetterIsSettledOnce(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	id, other := b.letter(t, ops.StatusOpen), b.letter(t, ops.StatusOpen)
	discard := func(m access.Membership, id uuid.UUID) error {
		return b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
			return svc.Discard(ctx, tx, m, id)
		})
	}
	redrive := func(id uuid.UUID) error {
		return b.db.App.InTenant(context.Background(), b.org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := svc.Redrive(ctx, tx, b.owner, id, nil)
			return err
		})
	}
	member := b.owner
	member.Role = access.RoleMember
	token := access.Membership{OrgID: b.org, Principal: access.Principal{Token: &access.TokenPrincipal{ID: uuid.New(), OrgID: b.org, Scopes: access.Scopes()}}}
	for name, m := range map[string]access.Membership{"a member": member, "a token": token} {
		if err := discard(m, id); services.ErrorCode(err) != services.Forbidden {
			t.Errorf("%s discarding: %v, want forbidden", name, err)
		}
	}

	if err := discard(b.owner, id); err != nil {
		t.Fatal(err)
	}
	if s := b.status(t, id); s != ops.StatusDiscarded {
		t.Fatalf("status after discard %q", s)
	}
	if err := discard(b.owner, id); services.ErrorCode(err) != services.Conflict {
		t.Errorf("discarding twice: %v, want conflict", err)
	}
	if err := redrive(id); services.ErrorCode(err) != services.Conflict {
		t.Errorf("re-driving a discarded letter: %v, want conflict", err)
	}
	if err := redrive(other); services.ErrorCode(err) != services.Unavailable {
		t.Errorf("re-driving without Temporal: %v, want unavailable", err)
	}
	if s := b.status(t, other); s != ops.StatusOpen {
		t.Errorf("a re-drive that could not start left status %q, want open", s)
	}
	if err := discard(b.owner, uuid.New()); services.ErrorCode(err) != services.NotFound {
		t.Errorf("discarding an unknown letter: %v, want not found", err)
	}
}

// TestTheOperatorSeesEveryOrgAndATenantOnlyItsOwn: an operator transaction
// reaches both orgs' letters; org B's tenant reaches none of A's; a plain
// transaction, neither tenant nor operator, reaches nothing.
func TestTheOperatorSeesEveryOrgAndATenantOnlyItsOwn(t *testing.T) {
	t.Parallel()
	svc, a := setup(t)
	_, b := setup(t)
	aLetter, bLetter := a.letter(t, ops.StatusOpen), b.letter(t, ops.StatusOpen)
	ctx := context.Background()

	intruder := access.Membership{OrgID: a.org, Role: access.RoleOwner, Principal: b.owner.Principal}
	err := b.db.App.InTenant(ctx, b.org, func(ctx context.Context, tx pgx.Tx) error {
		if got, _, err := svc.List(ctx, tx, intruder, nil, paging.Page{Limit: 10}); err != nil || len(got) != 0 {
			t.Errorf("A's letters listed from B: %v, %v", idsOf(got), err)
		}
		if err := svc.Discard(ctx, tx, intruder, aLetter); services.ErrorCode(err) != services.NotFound {
			t.Errorf("discarding A's letter from B: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = a.db.App.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		got, _, err := svc.OperatorList(ctx, tx, nil, nil, paging.Page{Limit: paging.MaxLimit})
		if err != nil || len(got) != 0 {
			t.Errorf("letters seen outside an operator transaction: %d, %v", len(got), err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = a.db.App.AsOperator(ctx, func(ctx context.Context, tx pgx.Tx) error {
		every, _, err := svc.OperatorList(ctx, tx, nil, nil, paging.Page{Limit: paging.MaxLimit})
		if err != nil {
			return err
		}
		if ids := idsOf(every); !slices.Contains(ids, aLetter) || !slices.Contains(ids, bLetter) {
			t.Errorf("the operator's list lacks A's or B's letter")
		}
		onlyA, _, err := svc.OperatorList(ctx, tx, &a.org, nil, paging.Page{Limit: paging.MaxLimit})
		if err != nil {
			return err
		}
		if ids := idsOf(onlyA); !slices.Equal(ids, []uuid.UUID{aLetter}) {
			t.Errorf("the operator's list of A: %v, want [%s]", ids, aLetter)
		}
		shown, err := svc.OperatorShow(ctx, tx, bLetter)
		if err != nil || shown.OrgID != b.org {
			t.Errorf("OperatorShow = %+v, %v", shown, err)
		}
		if d, err := svc.OperatorDiscard(ctx, tx, bLetter); err != nil || d.Status != ops.StatusDiscarded {
			t.Errorf("OperatorDiscard = %+v, %v", d, err)
		}
		if _, err := svc.OperatorShow(ctx, tx, uuid.New()); services.ErrorCode(err) != services.NotFound {
			t.Errorf("showing an unknown letter: %v, want not found", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := b.status(t, bLetter); s != ops.StatusDiscarded {
		t.Fatalf("B's letter after the operator's discard: %q", s)
	}
	if s := a.status(t, aLetter); s != ops.StatusOpen {
		t.Fatalf("A's letter after B's attempt: %q", s)
	}
}

// TestARunsFailureIsRecordedOnce: the recorder is called again on a retry;
// one row and one xentri.workflow.failed.v1 event result, and the event
// carries the letter's id.
func TestARunsFailureIsRecordedOnce(t *testing.T) {
	t.Parallel()
	svc, b := setup(t)
	rec := &ops.Recorder{DB: b.db.App, Events: &events.Writer{Log: zerolog.Nop()}} // no Redis: the stream is not this test's
	d := activities.DeadLetter{OrgID: b.org.String(), WorkflowType: "LeadFollowUp", WorkflowID: "lead-followup/" + uuid.NewString(),
		RunID: "run-7", TaskQueue: "xentri", Input: json.RawMessage(`[{"lead_id":"x"}]`), FailureType: "T", FailureMessage: "it broke", Attempts: 3}
	for range 2 {
		if err := rec.RecordDeadLetter(context.Background(), d); err != nil {
			t.Fatal(err)
		}
	}
	letters, _ := b.list(t, svc, nil, paging.Page{Limit: 10})
	if len(letters) != 1 || letters[0].Attempts != 3 || letters[0].Status != ops.StatusOpen || letters[0].RunID != "run-7" {
		t.Fatalf("recorded letters = %+v, want one open letter of run-7", letters)
	}
	rows, err := b.db.Owner.Query(context.Background(), `SELECT envelope->'payload' FROM system_events WHERE org_id = $1 AND type = $2`, b.org, contracts.EventWorkflowFailed)
	if err != nil {
		t.Fatal(err)
	}
	payloads, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		t.Fatal(err)
	}
	if len(payloads) != 1 {
		t.Fatalf("%d workflow.failed events, want 1", len(payloads))
	}
	var p contracts.WorkflowFailed
	if err := json.Unmarshal(payloads[0], &p); err != nil || p.DeadLetterID != letters[0].ID.String() {
		t.Fatalf("event payload %s (%v), want dead letter %s", payloads[0], err, letters[0].ID)
	}

	d.OrgID = "not-an-org"
	if err := rec.RecordDeadLetter(context.Background(), d); services.ErrorCode(err) != services.Invalid {
		t.Fatalf("a letter without an org: %v, want invalid", err)
	}
}
