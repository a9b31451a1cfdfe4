package core

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// The store's not-found and conflict answers.
var (
	ErrNoUser        = services.Errorf(services.NotFound, "This account no longer exists.")
	ErrNoOrg         = services.Errorf(services.NotFound, "No such organisation.")
	ErrNoMember      = services.Errorf(services.NotFound, "This user is not a member of the organisation.")
	ErrNoToken       = services.Errorf(services.NotFound, "This organisation has no such token.")
	errNoUserByEmail = &services.Error{Code: services.NotFound, Message: "No user has this e-mail address; they must sign up first.",
		Fields: map[string]string{"email": "has no account"}}
)

// store runs the core queries in one transaction and maps their rows to
// the domain's types; a missing row is the domain's not-found error.
type store struct{ q *dbsqlc.Queries }

func storeIn(tx dbsqlc.DBTX) store { return store{dbsqlc.New(tx)} }

func newID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Users.

func (s store) upsertUser(ctx context.Context, id uuid.UUID, email string) error {
	_, err := s.q.UpsertUser(ctx, dbsqlc.UpsertUserParams{ID: id, Email: email})
	return db.Interpret("upsert user", err, nil)
}

func (s store) user(ctx context.Context, id uuid.UUID) (User, error) {
	u, err := s.q.GetUser(ctx, id)
	if err != nil {
		return User{}, db.Interpret("get user", err, ErrNoUser)
	}
	return User{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt}, nil
}

func (s store) userByEmail(ctx context.Context, email string) (User, error) {
	u, err := s.q.GetUserByEmail(ctx, email)
	if err != nil {
		return User{}, db.Interpret("get user by e-mail", err, errNoUserByEmail)
	}
	return User{ID: u.ID, Email: u.Email, CreatedAt: u.CreatedAt}, nil
}

func (s store) userDeleted(ctx context.Context, id uuid.UUID) (bool, error) {
	deleted, err := s.q.IsUserDeleted(ctx, id)
	return deleted, db.Interpret("is user deleted", err, nil)
}

// eraseUser deletes the user's record and remembers the id as erased, so a
// token issued before cannot bring the record back.
func (s store) eraseUser(ctx context.Context, id uuid.UUID) error {
	if _, err := s.q.DeleteUser(ctx, id); err != nil {
		return db.Interpret("delete user", err, nil)
	}
	return db.Interpret("mark user deleted", s.q.MarkUserDeleted(ctx, id), nil)
}

// Orgs.

func (s store) createOrg(ctx context.Context, id uuid.UUID, name string) (Org, error) {
	o, err := s.q.CreateOrg(ctx, dbsqlc.CreateOrgParams{ID: id, Name: name})
	if err != nil {
		return Org{}, db.Interpret("create org", err, nil)
	}
	return Org{ID: o.ID, Name: o.Name, CreatedAt: o.CreatedAt}, nil
}

// lockOrg locks the org's row, so changes to its memberships are serialised
// (it always keeps an owner).
func (s store) lockOrg(ctx context.Context, id uuid.UUID) error {
	_, err := s.q.LockOrg(ctx, id)
	return db.Interpret("lock org", err, ErrNoOrg)
}

func (s store) deleteOrg(ctx context.Context, id uuid.UUID) error {
	_, err := s.q.DeleteOrg(ctx, id)
	return db.Interpret("delete org", err, nil)
}

// userOrgs pages through the user's orgs (a user transaction).
func (s store) userOrgs(ctx context.Context, userID uuid.UUID, page paging.Page) ([]Org, string, error) {
	rows, err := s.q.ListUserOrgs(ctx, dbsqlc.ListUserOrgsParams{UserID: userID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list user orgs", err, nil)
	}
	orgs, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.ListUserOrgsRow) uuid.UUID { return r.ID },
		func(r dbsqlc.ListUserOrgsRow) Org {
			return Org{ID: r.ID, Name: r.Name, Role: access.Role(r.Role), CreatedAt: r.CreatedAt}
		})
	return orgs, next, nil
}

// Members.

// membership is one of a user's memberships, seen in a user transaction.
type membership struct {
	orgID uuid.UUID
	role  access.Role
}

func (s store) memberships(ctx context.Context, userID uuid.UUID) ([]membership, error) {
	rows, err := s.q.ListUserMemberships(ctx, userID)
	if err != nil {
		return nil, db.Interpret("list user memberships", err, nil)
	}
	out := make([]membership, 0, len(rows))
	for _, r := range rows {
		out = append(out, membership{orgID: r.OrgID, role: access.Role(r.Role)})
	}
	return out, nil
}

func (s store) leaveEveryOrg(ctx context.Context, userID uuid.UUID) error {
	_, err := s.q.DeleteUserMemberships(ctx, userID)
	return db.Interpret("leave every org", err, nil)
}

func (s store) addMember(ctx context.Context, orgID, userID uuid.UUID, role access.Role) (Member, error) {
	row, err := s.q.AddOrgMember(ctx, dbsqlc.AddOrgMemberParams{ID: newID(), OrgID: orgID, UserID: userID, Role: string(role)})
	if db.IsUniqueViolation(err) {
		return Member{}, errAlreadyMember
	}
	if err != nil {
		return Member{}, db.Interpret("add member", err, nil)
	}
	return Member{UserID: row.UserID, Role: access.Role(row.Role), JoinedAt: row.CreatedAt}, nil
}

var errAlreadyMember = services.Errorf(services.Conflict, "This user is already a member of the organisation.")

func (s store) member(ctx context.Context, orgID, userID uuid.UUID) (Member, error) {
	r, err := s.q.GetOrgMember(ctx, dbsqlc.GetOrgMemberParams{OrgID: orgID, UserID: userID})
	if err != nil {
		return Member{}, db.Interpret("get member", err, ErrNoMember)
	}
	return Member{UserID: r.UserID, Email: r.Email, Role: access.Role(r.Role), JoinedAt: r.CreatedAt}, nil
}

func (s store) members(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]Member, string, error) {
	rows, err := s.q.ListOrgMembers(ctx, dbsqlc.ListOrgMembersParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list members", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.ListOrgMembersRow) uuid.UUID { return r.ID },
		func(r dbsqlc.ListOrgMembersRow) Member {
			return Member{UserID: r.UserID, Email: r.Email, Role: access.Role(r.Role), JoinedAt: r.CreatedAt}
		})
	return out, next, nil
}

// roleCounts counts the org's owners and members.
func (s store) roleCounts(ctx context.Context, orgID uuid.UUID) (owners, members int64, err error) {
	c, err := s.q.CountOrgMembersByRole(ctx, orgID)
	return c.Owners, c.Members, db.Interpret("count members by role", err, nil)
}

func (s store) setRole(ctx context.Context, orgID, userID uuid.UUID, role access.Role) error {
	n, err := s.q.UpdateOrgMemberRole(ctx, dbsqlc.UpdateOrgMemberRoleParams{OrgID: orgID, UserID: userID, Role: string(role)})
	if err == nil && n == 0 {
		return ErrNoMember
	}
	return db.Interpret("set role", err, nil)
}

func (s store) removeMember(ctx context.Context, orgID, userID uuid.UUID) error {
	n, err := s.q.DeleteOrgMember(ctx, dbsqlc.DeleteOrgMemberParams{OrgID: orgID, UserID: userID})
	if err == nil && n == 0 {
		return ErrNoMember
	}
	return db.Interpret("remove member", err, nil)
}

// API tokens.

func (s store) createToken(ctx context.Context, orgID uuid.UUID, name string, scopes []string, hash []byte, by *uuid.UUID) (APIToken, error) {
	row, err := s.q.CreateAPIToken(ctx, dbsqlc.CreateAPITokenParams{ID: newID(), OrgID: orgID, Name: name, Scopes: scopes, TokenHash: hash, CreatedBy: by})
	if err != nil {
		return APIToken{}, db.Interpret("create token", err, nil)
	}
	return tokenFromRow(row), nil
}

func (s store) tokens(ctx context.Context, orgID uuid.UUID, page paging.Page) ([]APIToken, string, error) {
	rows, err := s.q.ListAPITokens(ctx, dbsqlc.ListAPITokensParams{OrgID: orgID, After: page.After, Lim: page.Fetch()})
	if err != nil {
		return nil, "", db.Interpret("list tokens", err, nil)
	}
	out, next := paging.Paginate(rows, page.Limit, func(r dbsqlc.ApiToken) uuid.UUID { return r.ID }, tokenFromRow)
	return out, next, nil
}

func (s store) deleteToken(ctx context.Context, orgID, id uuid.UUID) error {
	n, err := s.q.DeleteAPIToken(ctx, dbsqlc.DeleteAPITokenParams{OrgID: orgID, ID: id})
	if err == nil && n == 0 {
		return ErrNoToken
	}
	return db.Interpret("delete token", err, nil)
}

// tokenByHash finds a token by its secret's hash and notes its use.
func (s store) tokenByHash(ctx context.Context, orgID uuid.UUID, hash []byte) (access.TokenPrincipal, error) {
	row, err := s.q.GetAPITokenByHash(ctx, dbsqlc.GetAPITokenByHashParams{OrgID: orgID, TokenHash: hash})
	if err != nil {
		return access.TokenPrincipal{}, db.Interpret("get token by hash", err, ErrBadToken)
	}
	if err := s.q.TouchAPIToken(ctx, row.ID); err != nil {
		return access.TokenPrincipal{}, fmt.Errorf("touch token: %w", err)
	}
	return access.TokenPrincipal{ID: row.ID, OrgID: row.OrgID, Scopes: row.Scopes}, nil
}

func tokenFromRow(r dbsqlc.ApiToken) APIToken {
	return APIToken{ID: r.ID, Name: r.Name, Scopes: r.Scopes, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt}
}
