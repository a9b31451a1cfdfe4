package temporal

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
)

// The custom search attributes operators filter runs by in Temporal UI, e.g.
// `XentriOrgId = "..." AND XentriKind = "lead"`. Every workflow carries
// XentriOrgId, XentriKind and XentriEntityId from its start (see Attributes);
// the others name the entity once more for the queries of its context.
var (
	OrgID    = temporal.NewSearchAttributeKeyKeyword("XentriOrgId")
	Kind     = temporal.NewSearchAttributeKeyKeyword("XentriKind")
	EntityID = temporal.NewSearchAttributeKeyKeyword("XentriEntityId")

	LeadID    = temporal.NewSearchAttributeKeyKeyword("XentriLeadId")
	SiteID    = temporal.NewSearchAttributeKeyKeyword("XentriSiteId")
	SessionID = temporal.NewSearchAttributeKeyKeyword("XentriSessionId")
)

// SearchAttributes lists every custom search attribute the project uses.
var SearchAttributes = []temporal.SearchAttributeKey{OrgID, Kind, EntityID, LeadID, SiteID, SessionID}

// PlatformOrg is the XentriOrgId of workflows that belong to no org, such
// as the operator's diagnostics.
const PlatformOrg = "platform"

// Attributes are the search attributes every workflow starts with: the org
// it works for, the kind of thing it works on ("lead", "org", "system", ...)
// and that thing's id. Extra attribute updates (such as LeadID) are added.
func Attributes(org, kind, entity string, extra ...temporal.SearchAttributeUpdate) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(append([]temporal.SearchAttributeUpdate{
		OrgID.ValueSet(org), Kind.ValueSet(kind), EntityID.ValueSet(entity)}, extra...)...)
}

func indexedType(k temporal.SearchAttributeKey) enumspb.IndexedValueType {
	return k.GetValueType()
}

// EnsureSearchAttributes registers the attributes missing from namespace.
// It is idempotent, so every start calls it.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	have, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, k := range SearchAttributes {
		t, ok := have.GetCustomAttributes()[k.GetName()]
		switch {
		case !ok:
			missing[k.GetName()] = indexedType(k)
		case t != indexedType(k):
			return fmt.Errorf("search attribute %s is registered as %s, want %s", k.GetName(), t, indexedType(k))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}

// devServerFlags registers the attributes when the dev server starts.
func devServerFlags() []string {
	var args []string
	for _, k := range SearchAttributes {
		name := indexedType(k).String()
		args = append(args, "--search-attribute", k.GetName()+"="+name)
	}
	return args
}
