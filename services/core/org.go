package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// CreateOrg creates an org with the user as its owner.
func (s *Service) CreateOrg(ctx context.Context, p access.Principal, name string) (Org, error) {
	if p.Token != nil {
		return Org{}, services.Errorf(services.Forbidden, "An API token cannot create organisations.")
	}
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 200 {
		return Org{}, &services.Error{Code: services.Invalid, Message: "The organisation needs a name of 1 to 200 characters.",
			Fields: map[string]string{"name": "must be 1 to 200 characters"}}
	}
	var org Org
	err := s.DB.InTx(ctx, func(ctx context.Context, tx pgx.Tx) (err error) {
		org, err = s.createOrg(ctx, tx, p.UserID, name)
		return err
	})
	if err != nil {
		return Org{}, fmt.Errorf("create org: %w", err)
	}
	return org, nil
}

// createOrg stores an org and its owner and emits xentri.org.created.v1, in
// the org's own tenant scope inside tx.
func (s *Service) createOrg(ctx context.Context, tx pgx.Tx, owner uuid.UUID, name string) (Org, error) {
	id := newID()
	if err := db.SwitchTenant(ctx, tx, id); err != nil {
		return Org{}, err
	}
	st := storeIn(tx)
	org, err := st.createOrg(ctx, id, name)
	if err != nil {
		return Org{}, fmt.Errorf("store org: %w", err)
	}
	if _, err := st.addMember(ctx, id, owner, access.RoleOwner); err != nil {
		return Org{}, fmt.Errorf("add owner: %w", err)
	}
	org.Role = access.RoleOwner
	err = s.Events.Emit(ctx, tx, events.Event{
		Type: "xentri.org.created.v1", OrgID: id,
		Actor:   events.Actor{Type: "user", ID: owner.String()},
		Payload: contracts.OrgCreated{OrgID: id.String(), Name: name, OwnerID: owner.String()},
	})
	if err != nil {
		return Org{}, fmt.Errorf("emit org created: %w", err)
	}
	return org, nil
}

// ListOrgs pages through the orgs the user belongs to.
func (s *Service) ListOrgs(ctx context.Context, p access.Principal, page paging.Page) ([]Org, string, error) {
	if p.Token != nil {
		return nil, "", services.Errorf(services.Forbidden, "An API token acts in its own org only; list members of that org instead.")
	}
	var (
		orgs []Org
		next string
	)
	err := s.DB.AsUser(ctx, p.UserID, func(ctx context.Context, tx pgx.Tx) (err error) {
		orgs, next, err = storeIn(tx).userOrgs(ctx, p.UserID, page)
		return err
	})
	if err != nil {
		return nil, "", fmt.Errorf("list orgs: %w", err)
	}
	return orgs, next, nil
}

// MemberRole returns the user's role in the tenant of tx, or a Forbidden
// error that does not say whether the org exists.
func (s *Service) MemberRole(ctx context.Context, tx pgx.Tx, orgID, userID uuid.UUID) (access.Role, error) {
	m, err := storeIn(tx).member(ctx, orgID, userID)
	switch {
	case errors.Is(err, ErrNoMember):
		return "", ErrNotMember
	case err != nil:
		return "", fmt.Errorf("membership: %w", err)
	}
	return m.Role, nil
}

// ErrNotMember is the org gate's refusal: the same whether the org does not
// exist or the caller is not in it.
var ErrNotMember = services.Errorf(services.Forbidden, "You do not have access to this organisation.")
