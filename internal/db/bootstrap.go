package db

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
)

// EnsureDatabase creates the database named in ownerURL when it does not
// exist, connecting to the cluster's "postgres" database to do so.
func EnsureDatabase(ctx context.Context, ownerURL string) error {
	u, err := url.Parse(ownerURL)
	if err != nil {
		return fmt.Errorf("parse database url: %w", err)
	}
	name := strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return fmt.Errorf("database url names no database")
	}
	conn, err := pgx.Connect(ctx, WithDatabase(ownerURL, "postgres"))
	if err != nil {
		return fmt.Errorf("connect to maintenance database: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return fmt.Errorf("look up database: %w", err)
	}
	if exists {
		return nil
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		// Another process may have created it between the check and here.
		if strings.Contains(err.Error(), "already exists") {
			return nil
		}
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// EnsureLoginRole makes role a login role with password, NOSUPERUSER and
// NOBYPASSRLS, creating it when missing, and lets it connect to the database
// of ownerURL. inherit names a role whose grants it receives (used by tests to
// make throwaway members of xentri_app); empty for none.
func EnsureLoginRole(ctx context.Context, ownerURL, role, password, inherit string) error {
	conn, err := pgx.Connect(ctx, ownerURL)
	if err != nil {
		return fmt.Errorf("connect as owner: %w", err)
	}
	defer conn.Close(ctx)
	// Roles are cluster-wide: serialize their creation across processes.
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock(hashtext('xentri.ensure_role'))"); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('xentri.ensure_role'))") //nolint:errcheck

	ident := pgx.Identifier{role}.Sanitize()
	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT FROM pg_roles WHERE rolname = $1)", role).Scan(&exists); err != nil {
		return fmt.Errorf("look up role: %w", err)
	}
	verb := "CREATE"
	if exists {
		verb = "ALTER"
	}
	// Role DDL takes no bind parameters: quote the password as a literal.
	stmt := fmt.Sprintf("%s ROLE %s WITH LOGIN PASSWORD %s NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOREPLICATION",
		verb, ident, quoteLiteral(password))
	if _, err := conn.Exec(ctx, stmt); err != nil {
		return fmt.Errorf("%s role %s: %w", strings.ToLower(verb), role, err)
	}
	if inherit != "" {
		if _, err := conn.Exec(ctx, "GRANT "+pgx.Identifier{inherit}.Sanitize()+" TO "+ident); err != nil {
			return fmt.Errorf("grant %s to %s: %w", inherit, role, err)
		}
	}
	dbName := strings.TrimPrefix(mustParse(ownerURL).Path, "/")
	if _, err := conn.Exec(ctx, "GRANT CONNECT ON DATABASE "+pgx.Identifier{dbName}.Sanitize()+" TO "+ident); err != nil {
		return fmt.Errorf("grant connect: %w", err)
	}
	return nil
}

// WithUser returns rawURL with its user and password replaced.
func WithUser(rawURL, user, password string) string {
	u := mustParse(rawURL)
	u.User = url.UserPassword(user, password)
	return u.String()
}

// WithDatabase returns rawURL pointing at another database of the cluster.
func WithDatabase(rawURL, name string) string {
	u := mustParse(rawURL)
	u.Path = "/" + name
	return u.String()
}

// WithHostPort returns rawURL pointing at another server.
func WithHostPort(rawURL, hostPort string) string {
	u := mustParse(rawURL)
	u.Host = hostPort
	return u.String()
}

// mustParse parses a URL that config.Load has already validated.
func mustParse(rawURL string) *url.URL {
	u, err := url.Parse(rawURL)
	if err != nil {
		panic(fmt.Sprintf("db: unvalidated url: %v", err))
	}
	return u
}

func quoteLiteral(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
