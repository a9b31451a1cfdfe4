package worker

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services"
	"github.com/xentri/xentri/services/automation"
	"github.com/xentri/xentri/services/brand"
	"github.com/xentri/xentri/services/sales"
	"github.com/xentri/xentri/workflows"
)

// SitePublisher queues a publish of an org's site (brand.Publishing).
type SitePublisher interface {
	PublishFromHook(ctx context.Context, orgID, siteID uuid.UUID) (brand.Started, error)
}

// Hooks returns the registry of the workflows automations (n8n) may start
// by name through POST /api/v1/hooks/n8n/workflows/{name}. A hook's input
// schema is contracts/hooks/{name}.schema.json. Like Workflows, this is the
// one place a new hook is added. sites queues site.publish (nil: that hook
// answers 503).
func Hooks(sites SitePublisher) (*automation.Registry, error) {
	reg := automation.NewRegistry()
	schema := func(name string) string {
		s, err := contracts.HookSchema(name)
		if err != nil {
			return "" // Register refuses an empty schema, naming the hook
		}
		return s
	}
	// A monitoring flow in n8n can ask the worker fleet whether its
	// dependencies answer.
	if err := automation.Register(reg, "diagnostics", schema("diagnostics"), workflows.Diagnostics); err != nil {
		return nil, err
	}
	// n8n can start (or find) a lead's follow-ups, e.g. for leads it
	// imported from elsewhere. The run is the one the lead's creation
	// started, whatever case n8n writes the id in.
	err := automation.Register(reg, "lead.followup", schema("lead.followup"), workflows.LeadFollowUp, automation.WithOrg(),
		automation.WithWorkflowID(func(_ uuid.UUID, in map[string]any) (string, error) {
			id, err := uuidOf(in, "lead_id")
			return sales.FollowUpWorkflowID(id), err
		}),
		automation.WithEntity("lead", func(_ uuid.UUID, in map[string]any) (string, error) {
			id, err := uuidOf(in, "lead_id")
			return id.String(), err
		}))
	if err != nil {
		return nil, err
	}
	// n8n can make the Brief from a session or from words it gathered
	// elsewhere (a form, an e-mail), as POST /api/v1/brief/generate does.
	err = automation.Register(reg, "brief.generate", schema("brief.generate"), workflows.BriefGenerate, automation.WithOrg(),
		automation.WithWorkflowID(func(org uuid.UUID, in map[string]any) (string, error) {
			request, _ := in["request_id"].(string)
			return workflows.BriefGenerateWorkflowID(org.String(), request), nil
		}),
		automation.WithEntity("brief", func(org uuid.UUID, _ map[string]any) (string, error) { return org.String(), nil }))
	if err != nil {
		return nil, err
	}
	// n8n can publish a site (after a content import, or on its own
	// schedule): queued on the site's workflow like a publish from the shell.
	err = automation.Register(reg, "site.publish", schema("site.publish"), workflows.SitePublish, automation.WithOrg(),
		automation.WithEntity("site", func(_ uuid.UUID, in map[string]any) (string, error) {
			id, err := uuidOf(in, "site_id")
			return id.String(), err
		}),
		automation.WithStart(func(ctx context.Context, org uuid.UUID, in map[string]any) (string, string, error) {
			id, err := uuidOf(in, "site_id")
			if err != nil {
				return "", "", err
			}
			if sites == nil {
				return "", "", services.Errorf(services.Unavailable, "Publishing is not configured here.")
			}
			started, err := sites.PublishFromHook(ctx, org, id)
			return started.WorkflowID, started.RunID, err
		}))
	if err != nil {
		return nil, err
	}
	return reg, nil
}

// uuidOf reads a UUID field the schema has required; parsing normalises
// its case.
func uuidOf(in map[string]any, field string) (uuid.UUID, error) {
	s, _ := in[field].(string)
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("%s %q is not a UUID", field, s)
	}
	return id, nil
}
