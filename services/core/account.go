package core

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/auth"
	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/events"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/access"
	"github.com/xentri/xentri/services/paging"
)

// SignUpInput is what a new user gives.
type SignUpInput struct {
	Email    string
	Password string
	OrgName  string // optional: "{local part}'s organisation" when empty
}

// SignUp creates the user at the provider, then their first org with them as
// owner. If the org cannot be stored the provider account is removed again,
// so a retry starts clean.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (auth.Session, Org, error) {
	email := normEmail(in.Email)
	fields := map[string]string{}
	if !validEmail(email) {
		fields["email"] = "must be an e-mail address"
	}
	if in.Password == "" {
		fields["password"] = "is required"
	} else if err := auth.ValidatePassword(in.Password); err != nil {
		fields["password"] = weakPasswordReason(err)
	}
	orgName := strings.TrimSpace(in.OrgName)
	if orgName == "" {
		orgName = email[:max(strings.IndexByte(email, '@'), 0)] + "'s organisation"
	}
	if len(orgName) > 200 {
		fields["org_name"] = "must be at most 200 characters"
	}
	if len(fields) > 0 {
		return auth.Session{}, Org{}, &services.Error{Code: services.Invalid, Message: "The sign-up form has invalid fields.", Fields: fields}
	}

	sess, err := s.Auth.SignUp(ctx, email, in.Password)
	if err != nil {
		return auth.Session{}, Org{}, fmt.Errorf("sign up: %w", providerError(err))
	}
	var org Org
	err = s.DB.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		if err := storeIn(tx).upsertUser(ctx, sess.User.ID, sess.User.Email); err != nil {
			return fmt.Errorf("store user: %w", err)
		}
		org, err = s.createOrg(ctx, tx, sess.User.ID, orgName)
		if err != nil {
			return err
		}
		err := s.Events.Emit(ctx, tx, events.Event{
			Type: "xentri.user.signup.v1", OrgID: org.ID,
			Actor:   events.Actor{Type: "user", ID: sess.User.ID.String()},
			Payload: contracts.UserSignup{UserID: sess.User.ID.String(), OrgID: org.ID.String()},
		})
		if err != nil {
			return fmt.Errorf("emit signup: %w", err)
		}
		return nil
	})
	if err != nil {
		if derr := s.Auth.DeleteUser(context.WithoutCancel(ctx), sess.User.ID); derr != nil {
			s.Log.Error().Err(derr).Str("user_id", sess.User.ID.String()).Msg("sign-up failed and the provider account could not be removed")
		}
		return auth.Session{}, Org{}, fmt.Errorf("signup: %w", err)
	}
	return sess, org, nil
}

// SignIn checks the credentials, makes sure the user exists here too, and
// reports the login to the user's first org.
func (s *Service) SignIn(ctx context.Context, email, password string) (auth.Session, error) {
	if !validEmail(normEmail(email)) || password == "" {
		return auth.Session{}, &services.Error{Code: services.Invalid, Message: "Give an e-mail address and a password.",
			Fields: map[string]string{"email": "is required", "password": "is required"}}
	}
	sess, err := s.Auth.SignIn(ctx, normEmail(email), password)
	if err != nil {
		return auth.Session{}, fmt.Errorf("sign in: %w", providerError(err))
	}
	err = s.DB.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		return storeIn(tx).upsertUser(ctx, sess.User.ID, sess.User.Email)
	})
	if err != nil {
		return auth.Session{}, fmt.Errorf("signin: %w", err)
	}
	// Events belong to an org: the login goes to each org of the user.
	err = s.DB.AsUser(ctx, sess.User.ID, func(ctx context.Context, tx pgx.Tx) error {
		ms, err := storeIn(tx).memberships(ctx, sess.User.ID)
		if err != nil {
			return fmt.Errorf("memberships: %w", err)
		}
		for _, m := range ms {
			if err := db.SwitchTenant(ctx, tx, m.orgID); err != nil {
				return err
			}
			if err := s.Events.Emit(ctx, tx, events.Event{
				Type: "xentri.user.login.v1", OrgID: m.orgID,
				Actor:   events.Actor{Type: "user", ID: sess.User.ID.String()},
				Payload: contracts.UserLogin{UserID: sess.User.ID.String()},
			}); err != nil {
				return fmt.Errorf("emit login: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return auth.Session{}, fmt.Errorf("signin events: %w", err)
	}
	return sess, nil
}

// Refresh trades a refresh token for a new session.
func (s *Service) Refresh(ctx context.Context, refreshToken string) (auth.Session, error) {
	if refreshToken == "" {
		return auth.Session{}, services.Errorf(services.Unauthenticated, "No refresh token was given.")
	}
	sess, err := s.Auth.Refresh(ctx, refreshToken)
	if err != nil {
		return auth.Session{}, fmt.Errorf("refresh: %w", providerError(err))
	}
	return sess, nil
}

// SignOut ends the caller's session at the provider.
func (s *Service) SignOut(ctx context.Context, accessToken string, claims auth.Claims) error {
	if err := s.Auth.SignOut(ctx, accessToken, claims); err != nil {
		return fmt.Errorf("sign out: %w", providerError(err))
	}
	return nil
}

// EnsureUser records a verified user the first time they are seen (someone
// who signed up at GoTrue directly).
func (s *Service) EnsureUser(ctx context.Context, c auth.Claims) error {
	err := s.DB.InTx(ctx, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		u, err := st.user(ctx, c.Subject)
		if err == nil && (c.Email == "" || strings.EqualFold(u.Email, c.Email)) {
			return nil
		}
		if deleted, derr := st.userDeleted(ctx, c.Subject); derr != nil || deleted {
			if derr != nil {
				return derr
			}
			return services.Errorf(services.Unauthenticated, "This account was deleted.")
		}
		if err != nil && !errors.Is(err, ErrNoUser) {
			return err
		}
		if c.Email == "" {
			return services.Errorf(services.Unauthenticated, "The access token carries no e-mail address.")
		}
		return st.upsertUser(ctx, c.Subject, c.Email)
	})
	if err != nil {
		return fmt.Errorf("ensure user: %w", err)
	}
	return nil
}

// maxOrgsOnMe bounds the orgs /me lists; GET /orgs pages through them all.
const maxOrgsOnMe = paging.MaxLimit * 50

// Me returns the user and every org they belong to.
func (s *Service) Me(ctx context.Context, userID uuid.UUID) (User, []Org, error) {
	var (
		user User
		orgs []Org
	)
	err := s.DB.AsUser(ctx, userID, func(ctx context.Context, tx pgx.Tx) (err error) {
		st := storeIn(tx)
		if user, err = st.user(ctx, userID); err != nil {
			return err
		}
		orgs, _, err = st.userOrgs(ctx, userID, paging.Page{Limit: maxOrgsOnMe})
		return err
	})
	if err != nil {
		return User{}, nil, fmt.Errorf("me: %w", err)
	}
	return user, orgs, nil
}

// DeleteAccount erases the user (FR5): every org they solely own, with all
// its tenant rows; their memberships elsewhere; their user record; then
// their account at the provider. It is refused while they are the only owner
// of an org that has other members: they must hand it over first.
func (s *Service) DeleteAccount(ctx context.Context, p access.Principal) error {
	if p.Token != nil {
		return services.Errorf(services.Forbidden, "An API token cannot delete an account.")
	}
	userID := p.UserID
	err := s.DB.AsUser(ctx, userID, func(ctx context.Context, tx pgx.Tx) error {
		st := storeIn(tx)
		memberships, err := st.memberships(ctx, userID)
		if err != nil {
			return fmt.Errorf("memberships: %w", err)
		}
		var soleOwned, leaving []uuid.UUID
		for _, m := range memberships {
			if err := db.SwitchTenant(ctx, tx, m.orgID); err != nil {
				return err
			}
			if err := st.lockOrg(ctx, m.orgID); err != nil {
				return fmt.Errorf("lock org: %w", err)
			}
			owners, members, err := st.roleCounts(ctx, m.orgID)
			if err != nil {
				return fmt.Errorf("count members: %w", err)
			}
			switch {
			case members == 1:
				soleOwned = append(soleOwned, m.orgID)
			case m.role == access.RoleOwner && owners == 1:
				return &services.Error{Code: services.Conflict,
					Message: fmt.Sprintf("You are the only owner of organisation %s, which has other members: make someone else an owner, or remove them, first.", m.orgID)}
			default:
				leaving = append(leaving, m.orgID)
			}
		}
		// Every org the user was in hears of it, including those about to go
		// (the events work decides how those outlive their org).
		for _, org := range append(leaving, soleOwned...) {
			if err := db.SwitchTenant(ctx, tx, org); err != nil {
				return err
			}
			if err := s.Events.Emit(ctx, tx, events.Event{
				Type: "xentri.user.deleted.v1", OrgID: org, Actor: p.Actor(),
				Payload: contracts.UserDeleted{UserID: userID.String()},
			}); err != nil {
				return fmt.Errorf("emit user deleted: %w", err)
			}
		}
		for _, org := range soleOwned {
			if err := db.SwitchTenant(ctx, tx, org); err != nil {
				return err
			}
			if err := st.deleteOrg(ctx, org); err != nil {
				return fmt.Errorf("delete org %s: %w", org, err)
			}
		}
		if err := db.SwitchTenant(ctx, tx, uuid.Nil); err != nil {
			return err
		}
		if err := st.leaveEveryOrg(ctx, userID); err != nil {
			return fmt.Errorf("leave orgs: %w", err)
		}
		if err := st.eraseUser(ctx, userID); err != nil {
			return fmt.Errorf("erase user: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete account: %w", err)
	}
	// The data is gone; now the identity. If this fails the user can call
	// again: the first part finds nothing left and the provider is retried.
	if err := s.Auth.DeleteUser(ctx, userID); err != nil {
		return &services.Error{Code: services.Unavailable,
			Message: "Your data is erased, but the sign-in account could not be removed yet; try again.", Err: err}
	}
	return nil
}

// providerError turns a provider failure into what the caller can act on.
func providerError(err error) error {
	switch {
	case errors.Is(err, auth.ErrEmailTaken):
		return &services.Error{Code: services.Conflict, Message: "An account with this e-mail address already exists; sign in instead.", Err: err}
	case errors.Is(err, auth.ErrInvalidCredentials):
		return &services.Error{Code: services.Unauthenticated, Message: "The e-mail address or the password is wrong.", Err: err}
	case errors.Is(err, auth.ErrInvalidRefreshToken):
		return &services.Error{Code: services.Unauthenticated, Message: "The refresh token is invalid, expired or already used; sign in again.", Err: err}
	case errors.Is(err, auth.ErrWeakPassword):
		return &services.Error{Code: services.Invalid, Message: "The password is too weak.",
			Fields: map[string]string{"password": weakPasswordReason(err)}, Err: err}
	case errors.Is(err, auth.ErrEmailNotConfirmed):
		return &services.Error{Code: services.Forbidden, Message: "Confirm your e-mail address first: follow the link in the message we sent.", Err: err}
	case errors.Is(err, auth.ErrInvalidToken):
		return &services.Error{Code: services.Unauthenticated, Message: "The access token is invalid.", Err: err}
	case errors.Is(err, auth.ErrUnavailable):
		return &services.Error{Code: services.Unavailable, Message: "The sign-in service does not answer; try again shortly.", Err: err}
	}
	return fmt.Errorf("auth provider: %w", err)
}

// weakPasswordReason is the provider's explanation without the sentinel's
// prefix.
func weakPasswordReason(err error) string {
	return strings.TrimPrefix(err.Error(), auth.ErrWeakPassword.Error()+": ")
}
