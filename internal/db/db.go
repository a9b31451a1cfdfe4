// Package db is Xentri's Postgres adapter: the connection pool, the embedded
// migrations, the sqlc queries (in dbsqlc), and the tenant transaction, the
// one path to tenant tables.
//
// Tenancy is enforced by the database, not by this code: every tenant table
// has row-level security forced on with a fail-closed policy, and the app
// connects as xentri_app, which neither bypasses RLS nor owns a table. A
// query that does not go through InTenant sees no tenant row at all.
package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// AppRole is the role the api and worker connect as.
const AppRole = "xentri_app"

// RelayRole is the role the event relay connects as: it reads and marks
// every org's system_events, and sees no other tenant table.
const RelayRole = "xentri_relay"

// DB is the application's handle on Postgres.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects a pool to url. It does not check the role: call
// CheckAppRole for that.
func Open(ctx context.Context, url string, maxConns int32) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "xentri"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return &DB{Pool: pool}, nil
}

// Close closes the pool.
func (db *DB) Close() { db.Pool.Close() }

// Ping checks that Postgres answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

// InTenant runs fn in a transaction scoped to orgID: the first statement sets
// app.current_org_id for this transaction only (set_config(..., true), like
// SET LOCAL), so the setting never leaks to the next user of the pooled
// connection. fn's error, or a failed commit, rolls everything back.
func (db *DB) InTenant(ctx context.Context, orgID uuid.UUID, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if orgID == uuid.Nil {
		return errors.New("tenant transaction: nil org id")
	}
	return db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.current_org_id', $1, true)", orgID.String()); err != nil {
			return fmt.Errorf("set tenant: %w", err)
		}
		return fn(ctx, tx)
	})
}

// AsUser runs fn in a transaction scoped to one user rather than one org:
// row-level security then shows that user's own memberships in every org,
// and the orgs they belong to (GET /me, account deletion), and no other
// tenant row.
func (db *DB) AsUser(ctx context.Context, userID uuid.UUID, fn func(ctx context.Context, tx pgx.Tx) error) error {
	if userID == uuid.Nil {
		return errors.New("user transaction: nil user id")
	}
	return db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.current_user_id', $1, true)", userID.String()); err != nil {
			return fmt.Errorf("set user: %w", err)
		}
		return fn(ctx, tx)
	})
}

// AsOperator runs fn as the platform operator, for the operator's view
// across orgs: the transaction sets app.operator, which the dead_letters
// policies (and no others) accept in place of a tenant. Call it only for a
// caller already proven to be the operator (the operator token, or a shell
// with DATABASE_URL).
func (db *DB) AsOperator(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.operator', 'on', true)"); err != nil {
			return fmt.Errorf("become the operator: %w", err)
		}
		return fn(ctx, tx)
	})
}

// AsSiteRouter runs fn as the public site server: the transaction sets
// app.site_router, which lets it read sites and the releases that went live
// (00017's policies), to find which release a visitor's Host names before
// it knows the org. Nothing else is visible to it.
func (db *DB) AsSiteRouter(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return db.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT set_config('app.site_router', 'on', true)"); err != nil {
			return fmt.Errorf("become the site router: %w", err)
		}
		return fn(ctx, tx)
	})
}

// SwitchTenant re-scopes a transaction that is already open to orgID (or to
// no org with uuid.Nil), for the few operations that span orgs in one
// transaction, such as erasing an account.
func SwitchTenant(ctx context.Context, tx pgx.Tx, orgID uuid.UUID) error {
	val := ""
	if orgID != uuid.Nil {
		val = orgID.String()
	}
	if _, err := tx.Exec(ctx, "SELECT set_config('app.current_org_id', $1, true)", val); err != nil {
		return fmt.Errorf("switch tenant: %w", err)
	}
	return nil
}

// InTx runs fn in a transaction with no tenant: for the global tables (users,
// orgs) only; tenant tables are invisible here.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, db.Pool, func(tx pgx.Tx) error { return fn(ctx, tx) })
}

// IsUniqueViolation reports whether err is Postgres refusing a duplicate key.
func IsUniqueViolation(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505"
}

// Interpret turns a query's error into what a store returns: nil stays nil,
// a missing row becomes missing when one is given (the domain's not-found
// error), and anything else is wrapped with the operation's name, so a log
// line says what was being done ("get lead: conn closed").
func Interpret(op string, err, missing error) error {
	switch {
	case err == nil:
		return nil
	case missing != nil && errors.Is(err, pgx.ErrNoRows):
		return missing
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// ErrUnsafeRole means the pool's role would bypass row-level security.
var ErrUnsafeRole = errors.New("database role bypasses row-level security")

// CheckAppRole refuses a connection whose role is a superuser, has
// BYPASSRLS, or owns (directly or through a role it belongs to) a table in
// the database: each of those would see every tenant's rows.
func (db *DB) CheckAppRole(ctx context.Context) error {
	var (
		role          string
		super, bypass bool
		owned         int
	)
	err := db.Pool.QueryRow(ctx, `
		SELECT r.rolname, r.rolsuper, r.rolbypassrls,
		       (SELECT count(*) FROM pg_class c
		         JOIN pg_namespace n ON n.oid = c.relnamespace
		        WHERE c.relkind IN ('r', 'p')
		          AND n.nspname NOT IN ('pg_catalog', 'information_schema')
		          AND pg_has_role(r.oid, c.relowner, 'USAGE'))
		  FROM pg_roles r WHERE r.rolname = current_user`).Scan(&role, &super, &bypass, &owned)
	if err != nil {
		return fmt.Errorf("check app role: %w", err)
	}
	switch {
	case super:
		return fmt.Errorf("%w: %q is a superuser; connect as %s", ErrUnsafeRole, role, AppRole)
	case bypass:
		return fmt.Errorf("%w: %q has BYPASSRLS; connect as %s", ErrUnsafeRole, role, AppRole)
	case owned > 0:
		return fmt.Errorf("%w: %q owns %d tables; connect as %s", ErrUnsafeRole, role, owned, AppRole)
	}
	return nil
}
