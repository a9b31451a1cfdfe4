package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// ListMembers pages through the members of the org.
func (s *Service) ListMembers(ctx context.Context, tx pgx.Tx, m access.Membership, page paging.Page) ([]Member, string, error) {
	if err := m.Need(access.ScopeMembersRead); err != nil {
		return nil, "", err
	}
	out, next, err := storeIn(tx).members(ctx, m.OrgID, page)
	if err != nil {
		return nil, "", fmt.Errorf("list members: %w", err)
	}
	return out, next, nil
}

// AddMember adds an existing user, found by e-mail, to the org. Owners and
// admins may add; only owners may add owners.
func (s *Service) AddMember(ctx context.Context, tx pgx.Tx, m access.Membership, email string, role access.Role) (Member, error) {
	if err := canGrant(m, role); err != nil {
		return Member{}, err
	}
	st := storeIn(tx)
	u, err := st.userByEmail(ctx, normEmail(email))
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	if err := st.lockOrg(ctx, m.OrgID); err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	member, err := st.addMember(ctx, m.OrgID, u.ID, role)
	if errors.Is(err, errAlreadyMember) {
		return Member{}, services.Errorf(services.Conflict, "%s is already a member of this organisation.", u.Email)
	}
	if err != nil {
		return Member{}, fmt.Errorf("add member: %w", err)
	}
	member.Email = u.Email
	return member, nil
}

// UpdateMember changes a member's role; the org keeps at least one owner.
func (s *Service) UpdateMember(ctx context.Context, tx pgx.Tx, m access.Membership, userID uuid.UUID, role access.Role) (Member, error) {
	if err := canGrant(m, role); err != nil {
		return Member{}, err
	}
	st := storeIn(tx)
	target, err := lockedMember(ctx, st, m.OrgID, userID)
	if err != nil {
		return Member{}, fmt.Errorf("update member: %w", err)
	}
	if target.Role == access.RoleOwner && m.Role != access.RoleOwner {
		return Member{}, services.Errorf(services.Forbidden, "Only an owner can change an owner's role.")
	}
	if target.Role == access.RoleOwner && role != access.RoleOwner {
		if err := keepsAnOwner(ctx, st, m.OrgID); err != nil {
			return Member{}, err
		}
	}
	if err := st.setRole(ctx, m.OrgID, userID, role); err != nil {
		return Member{}, fmt.Errorf("update member: %w", err)
	}
	target.Role = role
	return target, nil
}

// RemoveMember removes a member; anyone may leave, owners and admins may
// remove others; the org keeps at least one owner.
func (s *Service) RemoveMember(ctx context.Context, tx pgx.Tx, m access.Membership, userID uuid.UUID) error {
	leaving := m.Principal.Token == nil && userID == m.Principal.UserID
	if !leaving {
		if err := canGrant(m, access.RoleMember); err != nil {
			return err
		}
	}
	st := storeIn(tx)
	target, err := lockedMember(ctx, st, m.OrgID, userID)
	if err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	if target.Role == access.RoleOwner {
		if !leaving && m.Role != access.RoleOwner {
			return services.Errorf(services.Forbidden, "Only an owner can remove an owner.")
		}
		if err := keepsAnOwner(ctx, st, m.OrgID); err != nil {
			return err
		}
	}
	if err := st.removeMember(ctx, m.OrgID, userID); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}

// lockedMember locks the org (so owner counts cannot race) and returns the
// member.
func lockedMember(ctx context.Context, st store, orgID, userID uuid.UUID) (Member, error) {
	if err := st.lockOrg(ctx, orgID); err != nil {
		return Member{}, err
	}
	return st.member(ctx, orgID, userID)
}

func keepsAnOwner(ctx context.Context, st store, orgID uuid.UUID) error {
	owners, _, err := st.roleCounts(ctx, orgID)
	if err != nil {
		return fmt.Errorf("count owners: %w", err)
	}
	if owners <= 1 {
		return services.Errorf(services.Conflict, "An organisation must keep at least one owner: make someone else an owner first.")
	}
	return nil
}

// canGrant checks that the caller may manage members (owner or admin, or a
// token with members:write) and grant role.
func canGrant(m access.Membership, role access.Role) error {
	if err := m.NeedManager(access.ScopeMembersWrite, "members"); err != nil {
		return err
	}
	if m.Principal.Token != nil {
		if role == access.RoleOwner {
			return services.Errorf(services.Forbidden, "An API token cannot grant the owner role.")
		}
		return nil
	}
	if role == access.RoleOwner && m.Role != access.RoleOwner {
		return services.Errorf(services.Forbidden, "Only an owner can make someone an owner.")
	}
	return nil
}
