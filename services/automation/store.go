package automation

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/xentri/xentri/internal/db"
	"github.com/xentri/xentri/internal/db/dbsqlc"
	"github.com/xentri/xentri/services"
)

// ErrNoOrg answers a hook call for an org that does not exist.
var ErrNoOrg = services.Errorf(services.NotFound, "No such organisation.")

// CheckOrg answers whether org exists, for a call that a shared signature
// proved comes from n8n but that names its org in the body.
func (s *Service) CheckOrg(ctx context.Context, orgID uuid.UUID) error {
	if orgID == uuid.Nil {
		return ErrNoOrg
	}
	err := s.DB.InTenant(ctx, orgID, func(ctx context.Context, tx pgx.Tx) error {
		_, err := dbsqlc.New(tx).GetOrg(ctx, orgID)
		return db.Interpret("get org", err, ErrNoOrg)
	})
	if err != nil {
		return fmt.Errorf("check org: %w", err)
	}
	return nil
}
