package activities

import (
	"context"
	"encoding/json"
)

// DeadLetter is a workflow that failed for good.
type DeadLetter struct {
	OrgID          string          `json:"org_id"`
	WorkflowType   string          `json:"workflow_type"`
	WorkflowID     string          `json:"workflow_id"`
	RunID          string          `json:"run_id"`
	TaskQueue      string          `json:"task_queue"`
	Input          json.RawMessage `json:"input"` // the workflow's arguments, a JSON array
	FailureType    string          `json:"failure_type"`
	FailureMessage string          `json:"failure_message"`
	Attempts       int             `json:"attempts"`
}

// DeadLetterStore keeps dead letters (services/ops.Recorder).
type DeadLetterStore interface {
	RecordDeadLetter(ctx context.Context, d DeadLetter) error
}

// DeadLetters records failed workflows; the worker's dead-letter
// interceptor calls it for every workflow, so no workflow does it itself.
type DeadLetters struct {
	Store DeadLetterStore
}

// Record stores one dead letter, once per run.
func (a *DeadLetters) Record(ctx context.Context, d DeadLetter) error {
	return Final(a.Store.RecordDeadLetter(ctx, d))
}
