package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// testBundle is two orgs, each with one member, arranged as the owner.
type testBundle struct {
	d            *testenv.Database
	orgA, orgB   uuid.UUID
	userA, userB uuid.UUID
	memberA      uuid.UUID
	memberB      uuid.UUID
}

func setup(t *testing.T) (*db.DB, *testBundle) {
	t.Helper()
	d := testenv.DB(t)
	ctx := context.Background()
	b := &testBundle{d: d, orgA: uuid.New(), orgB: uuid.New(), userA: uuid.New(), userB: uuid.New()}
	q := dbsqlc.New(d.App.Pool)
	for _, o := range []uuid.UUID{b.orgA, b.orgB} {
		err := d.App.InTenant(ctx, o, func(ctx context.Context, tx pgx.Tx) error {
			_, err := dbsqlc.New(tx).CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: o, Name: "org " + o.String()[:8]})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []uuid.UUID{b.userA, b.userB} {
		if _, err := q.UpsertUser(ctx, dbsqlc.UpsertUserParams{ID: u, Email: u.String() + "@example.test"}); err != nil {
			t.Fatal(err)
		}
	}
	add := func(org, user uuid.UUID) uuid.UUID {
		var m dbsqlc.OrgMember
		err := d.App.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) (err error) {
			m, err = dbsqlc.New(tx).AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: uuid.New(), OrgID: org, UserID: user, Role: "owner"})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return m.ID
	}
	b.memberA = add(b.orgA, b.userA)
	b.memberB = add(b.orgB, b.userB)
	return d.App, b
}

func listMembers(t *testing.T, app *db.DB, org uuid.UUID) []dbsqlc.ListOrgMembersRow {
	t.Helper()
	var ms []dbsqlc.ListOrgMembersRow
	err := app.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) (err error) {
		ms, err = dbsqlc.New(tx).ListOrgMembers(ctx, dbsqlc.ListOrgMembersParams{OrgID: org, Lim: 100})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ms
}

func TestTenantTransactionSeesOnlyItsOrg(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	for _, org := range []uuid.UUID{b.orgA, b.orgB} {
		ms := listMembers(t, app, org)
		if len(ms) == 0 {
			t.Fatalf("org %s sees none of its own members", org)
		}
		// A query without the org filter must see the same rows: RLS alone
		// scopes it.
		var n int
		err := app.InTenant(context.Background(), org, func(ctx context.Context, tx pgx.Tx) error {
			return tx.QueryRow(ctx, "SELECT count(*) FROM org_members WHERE org_id <> $1", org).Scan(&n)
		})
		if err != nil || n != 0 {
			t.Errorf("tenant %s sees %d rows of other orgs (err %v)", org, n, err)
		}
	}
}

func TestOutsideTheHelperNoTenantRowIsVisible(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	ctx := context.Background()

	// Straight on the pool: no tenant set.
	var n int
	if err := app.Pool.QueryRow(ctx, "SELECT count(*) FROM org_members").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("a query outside the tenant helper saw %d member rows", n)
	}
	// In a transaction without the tenant, and on a connection that has just
	// served a tenant transaction (the setting must not leak, and '' must not
	// break the policy's cast).
	conn, err := app.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('app.current_org_id', $1, true)", b.orgA.String()); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM org_members").Scan(&n); err != nil {
		t.Fatalf("after a tenant transaction, a plain query failed: %v", err)
	}
	if n != 0 {
		t.Fatalf("the tenant setting leaked past its transaction: %d rows visible", n)
	}
	// Nor can rows be written without a tenant.
	_, err = dbsqlc.New(app.Pool).AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: uuid.New(), OrgID: b.orgA, UserID: b.userB, Role: "member"})
	if !isRLSViolation(err) {
		t.Fatalf("insert without a tenant: got %v, want a row-level security violation", err)
	}
	// And the rows are there: the owner sees them.
	if err := b.d.Owner.QueryRow(ctx, "SELECT count(*) FROM org_members WHERE org_id IN ($1, $2)", b.orgA, b.orgB).Scan(&n); err != nil || n != 2 {
		t.Fatalf("owner sees %d rows (err %v), want 2", n, err)
	}
}

func TestOneOrgCannotWriteAnother(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	ctx := context.Background()
	// Insert a row that claims org B, from org A.
	err := app.InTenant(ctx, b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: uuid.New(), OrgID: b.orgB, UserID: b.userA, Role: "owner"})
		return err
	})
	if !isRLSViolation(err) {
		t.Errorf("insert into another org: got %v, want a row-level security violation", err)
	}
	// Move an own row into org B.
	err = app.InTenant(ctx, b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE org_members SET org_id = $1 WHERE id = $2", b.orgB, b.memberA)
		return err
	})
	if !isRLSViolation(err) {
		t.Errorf("moving a row to another org: got %v, want a row-level security violation", err)
	}
	// Update and delete org B's row: it is invisible, so nothing happens.
	err = app.InTenant(ctx, b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		q := dbsqlc.New(tx)
		if n, err := q.UpdateOrgMemberRole(ctx, dbsqlc.UpdateOrgMemberRoleParams{OrgID: b.orgB, UserID: b.userB, Role: "member"}); err != nil || n != 0 {
			t.Errorf("update of org B's row from org A: %d rows, err %v; want 0 rows", n, err)
		}
		if n, err := q.DeleteOrgMember(ctx, dbsqlc.DeleteOrgMemberParams{OrgID: b.orgB, UserID: b.userB}); err != nil || n != 0 {
			t.Errorf("delete of org B's row from org A: %d rows, err %v; want 0 rows", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var role string
	var org uuid.UUID
	if err := b.d.Owner.QueryRow(ctx, "SELECT role FROM org_members WHERE id = $1", b.memberB).Scan(&role); err != nil || role != "owner" {
		t.Fatalf("org B's member after org A's attempts: role %q, err %v; want it unchanged", role, err)
	}
	if err := b.d.Owner.QueryRow(ctx, "SELECT org_id FROM org_members WHERE id = $1", b.memberA).Scan(&org); err != nil || org != b.orgA {
		t.Fatalf("org A's member after the move attempt: org %s, err %v; want %s", org, err, b.orgA)
	}
}

func TestTenantTransactionRollsBackOnError(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	boom := errors.New("boom")
	err := app.InTenant(context.Background(), b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := dbsqlc.New(tx).DeleteOrgMember(ctx, dbsqlc.DeleteOrgMemberParams{OrgID: b.orgA, UserID: b.userA}); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the callback's error", err)
	}
	if ms := listMembers(t, app, b.orgA); len(ms) != 1 {
		t.Fatalf("after a failed transaction org A has %d members, want 1", len(ms))
	}
	if err := app.InTenant(context.Background(), uuid.Nil, func(context.Context, pgx.Tx) error { return nil }); err == nil {
		t.Fatal("a tenant transaction with the nil org was accepted")
	}
}

// TestEveryOrgTableHasForcedRLS is the catalog check: any table with an
// org_id column must have row-level security enabled and forced, with at
// least one policy. A new tenant table that forgets it fails the build.
func TestEveryOrgTableHasForcedRLS(t *testing.T) {
	t.Parallel()
	d := testenv.DB(t)
	rows, err := d.Owner.Query(context.Background(), `
		SELECT c.relname, c.relrowsecurity, c.relforcerowsecurity,
		       (SELECT count(*) FROM pg_policy p WHERE p.polrelid = c.oid)
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
		 WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		name            string
		enabled, forced bool
		policies        int
	}
	tables, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (tb table, err error) {
		err = r.Scan(&tb.name, &tb.enabled, &tb.forced, &tb.policies)
		return tb, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) == 0 {
		t.Fatal("no table with an org_id column found: the check would pass vacuously")
	}
	for _, tb := range tables {
		if !tb.enabled || !tb.forced || tb.policies == 0 {
			t.Errorf("table %s has org_id but RLS enabled=%v forced=%v policies=%d; want enabled, forced and a tenant_isolation policy",
				tb.name, tb.enabled, tb.forced, tb.policies)
		}
	}
}

// TestAppRoleCannotBypassRLS checks xentri_app itself: no superuser, no
// BYPASSRLS, owner of no table.
func TestAppRoleCannotBypassRLS(t *testing.T) {
	t.Parallel()
	d := testenv.DB(t)
	var super, bypass bool
	var owned int
	err := d.Owner.QueryRow(context.Background(), `
		SELECT r.rolsuper, r.rolbypassrls,
		       (SELECT count(*) FROM pg_class c WHERE c.relkind IN ('r','p') AND pg_has_role(r.oid, c.relowner, 'USAGE'))
		  FROM pg_roles r WHERE r.rolname = $1`, db.AppRole).Scan(&super, &bypass, &owned)
	if err != nil {
		t.Fatal(err)
	}
	if super || bypass || owned > 0 {
		t.Fatalf("%s: superuser=%v bypassrls=%v owns %d tables; want none", db.AppRole, super, bypass, owned)
	}
	// The test role the services use passes the same start-up check...
	if err := d.App.CheckAppRole(context.Background()); err != nil {
		t.Fatalf("app role refused: %v", err)
	}
	// ...and the owner (a superuser here) is refused by it.
	owner, err := db.Open(context.Background(), d.OwnerURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer owner.Close()
	if err := owner.CheckAppRole(context.Background()); !errors.Is(err, db.ErrUnsafeRole) {
		t.Fatalf("owner role: got %v, want ErrUnsafeRole", err)
	}
}

func isRLSViolation(err error) bool {
	var pgErr *pgconn.PgError
	// 42501: insufficient_privilege, raised for "new row violates row-level security policy".
	return errors.As(err, &pgErr) && pgErr.Code == "42501"
}

func TestUserTransactionSeesOwnMembershipsAndOrgsOnly(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	ctx := context.Background()
	// userA also joins org B as a member.
	err := app.InTenant(ctx, b.orgB, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: uuid.New(), OrgID: b.orgB, UserID: b.userA, Role: "member"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = app.AsUser(ctx, b.userA, func(ctx context.Context, tx pgx.Tx) error {
		var members, others, orgs int
		if err := tx.QueryRow(ctx, "SELECT count(*), count(*) FILTER (WHERE user_id <> $1) FROM org_members", b.userA).Scan(&members, &others); err != nil {
			return err
		}
		if members != 2 || others != 0 {
			t.Errorf("user transaction sees %d memberships, %d of other users; want 2 and 0", members, others)
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM orgs WHERE id IN ($1, $2)", b.orgA, b.orgB).Scan(&orgs); err != nil {
			return err
		}
		if orgs != 2 {
			t.Errorf("user transaction sees %d of the user's 2 orgs", orgs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// userB belongs to org B only: org A stays invisible to them.
	err = app.AsUser(ctx, b.userB, func(ctx context.Context, tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM orgs WHERE id = $1", b.orgA).Scan(&n); err != nil {
			return err
		}
		if n != 0 {
			t.Errorf("a user sees an org they do not belong to")
		}
		// Nor can they update memberships, even their own.
		tag, err := tx.Exec(ctx, "UPDATE org_members SET role = 'owner' WHERE user_id = $1", b.userB)
		if err != nil {
			return err
		}
		if tag.RowsAffected() != 0 {
			t.Errorf("a user transaction updated %d memberships", tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Outside any transaction scope, orgs are invisible too.
	var n int
	if err := app.Pool.QueryRow(ctx, "SELECT count(*) FROM orgs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("outside the helpers %d orgs are visible (err %v)", n, err)
	}
}

// TestEveryOrgIDCascadesFromOrgs: deleting an org (account deletion) must
// delete every tenant row, so every org_id column references orgs with ON
// DELETE CASCADE.
func TestEveryOrgIDCascadesFromOrgs(t *testing.T) {
	t.Parallel()
	d := testenv.DB(t)
	rows, err := d.Owner.Query(context.Background(), `
		SELECT c.relname,
		       EXISTS (SELECT FROM pg_constraint k
		                WHERE k.conrelid = c.oid AND k.contype = 'f' AND k.confrelid = 'orgs'::regclass
		                  AND k.conkey = ARRAY[a.attnum] AND k.confdeltype = 'c')
		  FROM pg_class c
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		  JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'org_id' AND NOT a.attisdropped
		 WHERE c.relkind IN ('r', 'p') AND n.nspname = 'public'`)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for rows.Next() {
		var table string
		var cascades bool
		if err := rows.Scan(&table, &cascades); err != nil {
			t.Fatal(err)
		}
		seen++
		if !cascades {
			t.Errorf("%s.org_id does not reference orgs(id) ON DELETE CASCADE", table)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if seen < 3 {
		t.Fatalf("found only %d tenant tables", seen)
	}
}

// TestOperatorSeesEveryOrgsDeadLettersAndNothingElse: an operator
// transaction reads and settles dead letters across orgs, and still sees no
// other tenant row; a tenant transaction still sees only its org's letters.
func TestOperatorSeesEveryOrgsDeadLettersAndNothingElse(t *testing.T) {
	t.Parallel()
	app, b := setup(t)
	ctx := context.Background()
	for _, org := range []uuid.UUID{b.orgA, b.orgB} {
		err := app.InTenant(ctx, org, func(ctx context.Context, tx pgx.Tx) error {
			_, err := dbsqlc.New(tx).RecordDeadLetter(ctx, dbsqlc.RecordDeadLetterParams{ID: uuid.New(), OrgID: org,
				WorkflowType: "W", WorkflowID: "w/" + org.String(), RunID: "r", TaskQueue: "q", Input: []byte(`[]`),
				FailureType: "T", FailureMessage: "m", Attempts: 1})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var all []dbsqlc.DeadLetter
	var members, leads int
	err := app.AsOperator(ctx, func(ctx context.Context, tx pgx.Tx) (err error) {
		q := dbsqlc.New(tx)
		if all, err = q.ListAllDeadLetters(ctx, dbsqlc.ListAllDeadLettersParams{Lim: 100}); err != nil {
			return err
		}
		for _, l := range all {
			if err := q.SettleAnyDeadLetter(ctx, dbsqlc.SettleAnyDeadLetterParams{ID: l.ID, Status: "discarded"}); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM org_members").Scan(&members); err != nil {
			return err
		}
		return tx.QueryRow(ctx, "SELECT count(*) FROM leads").Scan(&leads)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 2 || members != 0 || leads != 0 {
		t.Fatalf("the operator sees %d dead letters (want 2), %d members and %d leads (want 0)", len(all), members, leads)
	}
	// Outside AsOperator the mark is gone: a tenant sees its own letter only,
	// now discarded by the operator.
	err = app.InTenant(ctx, b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := dbsqlc.New(tx).ListAllDeadLetters(ctx, dbsqlc.ListAllDeadLettersParams{Lim: 100})
		if err != nil {
			return err
		}
		if len(rows) != 1 || rows[0].OrgID != b.orgA || rows[0].Status != "discarded" {
			t.Errorf("org A sees %+v, want its one discarded letter", rows)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := app.Pool.QueryRow(ctx, "SELECT count(*) FROM dead_letters").Scan(&n); err != nil || n != 0 {
		t.Fatalf("outside any transaction mark, %d dead letters are visible (err %v)", n, err)
	}
}

// TestLeadEmailLookupUsesItsIndexUnderRLS: the one-lead-per-e-mail check
// runs on every new lead, so its query must be able to use an index inside
// a tenant transaction. Under row-level security Postgres will not apply a
// function that is not leakproof (such as lower()) to a row before the
// policy passes it, which rules out an index on an expression of it; the
// query compares a stored column instead (migration 00011). Sequential
// scans are switched off, so the plan says whether the index can be used.
func TestLeadEmailLookupUsesItsIndexUnderRLS(t *testing.T) {
	app, b := setup(t)
	ctx := context.Background()
	err := app.InTenant(ctx, b.orgA, func(ctx context.Context, tx pgx.Tx) error {
		email := "Grace@Example.test"
		if _, err := dbsqlc.New(tx).CreateLead(ctx, dbsqlc.CreateLeadParams{ID: uuid.New(), OrgID: b.orgA, Name: "Grace", Email: &email, Source: "manual"}); err != nil {
			return err
		}
		found, err := dbsqlc.New(tx).GetLeadByEmail(ctx, dbsqlc.GetLeadByEmailParams{OrgID: b.orgA, Email: "grace@example.TEST"})
		if err != nil {
			return fmt.Errorf("the lookup ignores case: %w", err)
		}
		if found.Name != "Grace" {
			return fmt.Errorf("found %q", found.Name)
		}
		// The query dbsqlc runs, explained rather than run.
		var q queryCapture
		_, _ = dbsqlc.New(&q).GetLeadByEmail(ctx, dbsqlc.GetLeadByEmailParams{OrgID: b.orgA, Email: "grace@example.test"})
		if _, err := tx.Exec(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		var plan string
		if err := tx.QueryRow(ctx, "EXPLAIN (FORMAT JSON) "+q.sql, q.args...).Scan(&plan); err != nil {
			return err
		}
		if !strings.Contains(plan, `"Index Name": "leads_org_email_key"`) || strings.Contains(plan, "Seq Scan") {
			return fmt.Errorf("the e-mail lookup does not use leads_org_email_key under RLS:\n%s", plan)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// queryCapture is a dbsqlc.DBTX that records the query it is given instead
// of running it.
type queryCapture struct {
	sql  string
	args []any
}

var errCaptured = errors.New("captured, not run")

func (c *queryCapture) Exec(_ context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.sql, c.args = sql, args
	return pgconn.CommandTag{}, errCaptured
}

func (c *queryCapture) Query(_ context.Context, sql string, args ...any) (pgx.Rows, error) {
	c.sql, c.args = sql, args
	return nil, errCaptured
}

func (c *queryCapture) QueryRow(_ context.Context, sql string, args ...any) pgx.Row {
	c.sql, c.args = sql, args
	return capturedRow{}
}

type capturedRow struct{}

func (capturedRow) Scan(...any) error { return errCaptured }

// TestInterpretNamesTheOperation: a store returns the domain's not-found
// error for a missing row, and any other failure wrapped with what it was
// doing, still matchable by errors.Is.
func TestInterpretNamesTheOperation(t *testing.T) {
	t.Parallel()
	missing := errors.New("no such lead")
	if err := db.Interpret("get lead", nil, missing); err != nil {
		t.Fatalf("nil became %v", err)
	}
	if err := db.Interpret("get lead", fmt.Errorf("scan: %w", pgx.ErrNoRows), missing); err != missing {
		t.Fatalf("a missing row became %v, want the domain's error", err)
	}
	if err := db.Interpret("list leads", pgx.ErrNoRows, nil); !errors.Is(err, pgx.ErrNoRows) || err.Error() != "list leads: "+pgx.ErrNoRows.Error() {
		t.Fatalf("with no domain error, a missing row = %v, want it wrapped", err)
	}
	cause := &pgconn.PgError{Code: "08006", Message: "connection failure"}
	err := db.Interpret("create lead", cause, missing)
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "create lead: ") {
		t.Fatalf("a failure = %v, want it wrapped as create lead: …", err)
	}
}
