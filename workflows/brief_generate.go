package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/xentri/xentri/activities"
	"github.com/xentri/xentri/services/brief/extract"
)

// BriefGenerate turns the owner's words (a co-pilot session's transcript,
// or a text) into the next version of the org's Universal Brief: extract ->
// compose (user values kept, conflicts become proposals) -> save the
// version, its event and its category contexts in one transaction ->
// invalidate the cached Brief. Started as brief-generate/{org}/{request}
// by a session's end, POST /api/v1/brief/generate, or the brief.generate
// hook; a failure for good leaves a dead letter like every workflow.
func BriefGenerate(ctx workflow.Context, r activities.BriefRequest) (activities.BriefResult, error) {
	dbCtx := workflow.WithActivityOptions(ctx, activities.DatabaseOptions())
	llmCtx := workflow.WithActivityOptions(ctx, activities.LLMOptions())

	var conversation []extract.Message
	if err := workflow.ExecuteActivity(dbCtx, (*activities.Brief).BriefConversation, r).Get(ctx, &conversation); err != nil {
		return activities.BriefResult{}, err
	}
	var facts []extract.Fact
	if err := workflow.ExecuteActivity(llmCtx, (*activities.Brief).ExtractFacts, conversation).Get(ctx, &facts); err != nil {
		return activities.BriefResult{}, err
	}
	var res activities.BriefResult
	if err := workflow.ExecuteActivity(dbCtx, (*activities.Brief).ComposeBrief,
		activities.ComposeRequest{BriefRequest: r, Facts: facts}).Get(ctx, &res); err != nil {
		return activities.BriefResult{}, err
	}
	if res.Changed {
		// The event invalidates it too, a moment later; this makes the
		// new version visible to the next read at once.
		if err := workflow.ExecuteActivity(dbCtx, (*activities.Brief).InvalidateBrief, r.OrgID).Get(ctx, nil); err != nil {
			return activities.BriefResult{}, err
		}
	}
	return res, nil
}
