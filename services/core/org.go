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
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
)

// CreateOrg creates an org with the user as its owner.
func (s *Service) CreateOrg(ctx context.Context, p Principal, name string) (Org, error) {
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
	return org, err
}

// createOrg stores an org and its owner and emits xentri.org.created.v1, in
// the org's own tenant scope inside tx.
func (s *Service) createOrg(ctx context.Context, tx pgx.Tx, owner uuid.UUID, name string) (Org, error) {
	id := newID()
	if err := db.SwitchTenant(ctx, tx, id); err != nil {
		return Org{}, err
	}
	q := dbsqlc.New(tx)
	o, err := q.CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: id, Name: name})
	if err != nil {
		return Org{}, fmt.Errorf("create org: %w", err)
	}
	if _, err := q.AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: newID(), OrgID: id, UserID: owner, Role: string(RoleOwner)}); err != nil {
		return Org{}, fmt.Errorf("add owner: %w", err)
	}
	err = s.Events.Emit(ctx, tx, events.Event{
		Type: "xentri.org.created.v1", OrgID: id,
		Actor:   events.Actor{Type: "user", ID: owner.String()},
		Payload: contracts.OrgCreated{OrgID: id.String(), Name: name, OwnerID: owner.String()},
	})
	return Org{ID: o.ID, Name: o.Name, Role: RoleOwner, CreatedAt: o.CreatedAt}, err
}

// ListOrgs pages through the orgs the user belongs to.
func (s *Service) ListOrgs(ctx context.Context, p Principal, page Page) ([]Org, string, error) {
	if p.Token != nil {
		return nil, "", services.Errorf(services.Forbidden, "An API token acts in its own org only; list members of that org instead.")
	}
	var rows []dbsqlc.ListUserOrgsRow
	err := s.DB.AsUser(ctx, p.UserID, func(ctx context.Context, tx pgx.Tx) (err error) {
		rows, err = dbsqlc.New(tx).ListUserOrgs(ctx, dbsqlc.ListUserOrgsParams{UserID: p.UserID, After: page.After, Lim: int32(page.Limit + 1)})
		return err
	})
	if err != nil {
		return nil, "", err
	}
	orgs, next := Paginate(rows, page.Limit, func(r dbsqlc.ListUserOrgsRow) uuid.UUID { return r.ID },
		func(r dbsqlc.ListUserOrgsRow) Org {
			return Org{ID: r.ID, Name: r.Name, Role: Role(r.Role), CreatedAt: r.CreatedAt}
		})
	return orgs, next, nil
}

// MemberRole returns the user's role in the tenant of tx, or a Forbidden
// error that does not say whether the org exists.
func (s *Service) MemberRole(ctx context.Context, tx pgx.Tx, orgID, userID uuid.UUID) (Role, error) {
	m, err := dbsqlc.New(tx).GetOrgMember(ctx, dbsqlc.GetOrgMemberParams{OrgID: orgID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return "", ErrNotMember
	}
	if err != nil {
		return "", fmt.Errorf("membership: %w", err)
	}
	return Role(m.Role), nil
}

// ErrNotMember is the org gate's refusal: the same whether the org does not
// exist or the caller is not in it.
var ErrNotMember = services.Errorf(services.Forbidden, "You do not have access to this organisation.")

// ListMembers pages through the members of the org.
func (s *Service) ListMembers(ctx context.Context, tx pgx.Tx, m Membership, page Page) ([]Member, string, error) {
	if !m.Principal.Allows("members:read") {
		return nil, "", missingScope("members:read")
	}
	rows, err := dbsqlc.New(tx).ListOrgMembers(ctx, dbsqlc.ListOrgMembersParams{OrgID: m.OrgID, After: page.After, Lim: int32(page.Limit + 1)})
	if err != nil {
		return nil, "", err
	}
	out, next := Paginate(rows, page.Limit, func(r dbsqlc.ListOrgMembersRow) uuid.UUID { return r.ID },
		func(r dbsqlc.ListOrgMembersRow) Member {
			return Member{UserID: r.UserID, Email: r.Email, Role: Role(r.Role), JoinedAt: r.CreatedAt}
		})
	return out, next, nil
}

// AddMember adds an existing user, found by e-mail, to the org. Owners and
// admins may add; only owners may add owners.
func (s *Service) AddMember(ctx context.Context, tx pgx.Tx, m Membership, email string, role Role) (Member, error) {
	if err := canManage(m, "members:write", role); err != nil {
		return Member{}, err
	}
	q := dbsqlc.New(tx)
	u, err := q.GetUserByEmail(ctx, normEmail(email))
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, &services.Error{Code: services.NotFound, Message: "No user has this e-mail address; they must sign up first.",
			Fields: map[string]string{"email": "has no account"}}
	}
	if err != nil {
		return Member{}, err
	}
	if _, err := q.LockOrg(ctx, m.OrgID); err != nil {
		return Member{}, err
	}
	row, err := q.AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: newID(), OrgID: m.OrgID, UserID: u.ID, Role: string(role)})
	if db.IsUniqueViolation(err) {
		return Member{}, services.Errorf(services.Conflict, "%s is already a member of this organisation.", u.Email)
	}
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	return Member{UserID: u.ID, Email: u.Email, Role: Role(row.Role), JoinedAt: row.CreatedAt}, nil
}

// UpdateMember changes a member's role; the org keeps at least one owner.
func (s *Service) UpdateMember(ctx context.Context, tx pgx.Tx, m Membership, userID uuid.UUID, role Role) (Member, error) {
	if err := canManage(m, "members:write", role); err != nil {
		return Member{}, err
	}
	q := dbsqlc.New(tx)
	target, err := s.lockedMember(ctx, tx, m.OrgID, userID)
	if err != nil {
		return Member{}, err
	}
	if Role(target.Role) == RoleOwner && m.Role != RoleOwner {
		return Member{}, services.Errorf(services.Forbidden, "Only an owner can change an owner's role.")
	}
	if Role(target.Role) == RoleOwner && role != RoleOwner {
		if err := keepsAnOwner(ctx, q, m.OrgID); err != nil {
			return Member{}, err
		}
	}
	if _, err := q.UpdateOrgMemberRole(ctx, dbsqlc.UpdateOrgMemberRoleParams{OrgID: m.OrgID, UserID: userID, Role: string(role)}); err != nil {
		return Member{}, err
	}
	return Member{UserID: target.UserID, Email: target.Email, Role: role, JoinedAt: target.CreatedAt}, nil
}

// RemoveMember removes a member; anyone may leave, owners and admins may
// remove others; the org keeps at least one owner.
func (s *Service) RemoveMember(ctx context.Context, tx pgx.Tx, m Membership, userID uuid.UUID) error {
	leaving := m.Principal.Token == nil && userID == m.Principal.UserID
	if !leaving {
		if err := canManage(m, "members:write", RoleMember); err != nil {
			return err
		}
	}
	q := dbsqlc.New(tx)
	target, err := s.lockedMember(ctx, tx, m.OrgID, userID)
	if err != nil {
		return err
	}
	if Role(target.Role) == RoleOwner {
		if !leaving && m.Role != RoleOwner {
			return services.Errorf(services.Forbidden, "Only an owner can remove an owner.")
		}
		if err := keepsAnOwner(ctx, q, m.OrgID); err != nil {
			return err
		}
	}
	_, err = q.DeleteOrgMember(ctx, dbsqlc.DeleteOrgMemberParams{OrgID: m.OrgID, UserID: userID})
	return err
}

// lockedMember locks the org (so owner counts cannot race) and returns the
// member.
func (s *Service) lockedMember(ctx context.Context, tx pgx.Tx, orgID, userID uuid.UUID) (dbsqlc.GetOrgMemberRow, error) {
	q := dbsqlc.New(tx)
	if _, err := q.LockOrg(ctx, orgID); err != nil {
		return dbsqlc.GetOrgMemberRow{}, err
	}
	target, err := q.GetOrgMember(ctx, dbsqlc.GetOrgMemberParams{OrgID: orgID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return target, services.Errorf(services.NotFound, "This user is not a member of the organisation.")
	}
	return target, err
}

func keepsAnOwner(ctx context.Context, q *dbsqlc.Queries, orgID uuid.UUID) error {
	counts, err := q.CountOrgMembersByRole(ctx, orgID)
	if err != nil {
		return err
	}
	if counts.Owners <= 1 {
		return services.Errorf(services.Conflict, "An organisation must keep at least one owner: make someone else an owner first.")
	}
	return nil
}

// canManage checks that the caller may manage members (owner or admin, or a
// token with scope) and grant role.
func canManage(m Membership, scope string, role Role) error {
	if !m.Principal.Allows(scope) {
		return missingScope(scope)
	}
	if m.Principal.Token != nil {
		if role == RoleOwner {
			return services.Errorf(services.Forbidden, "An API token cannot grant the owner role.")
		}
		return nil
	}
	if !m.Role.Manages() {
		return services.Errorf(services.Forbidden, "Only owners and admins can manage members.")
	}
	if role == RoleOwner && m.Role != RoleOwner {
		return services.Errorf(services.Forbidden, "Only an owner can make someone an owner.")
	}
	return nil
}

func missingScope(scope string) error {
	return services.Errorf(services.Forbidden, "This API token lacks the %s scope.", scope)
}
