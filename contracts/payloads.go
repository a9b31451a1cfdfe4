package contracts

import (
	"reflect"
	"time"
)

// Event types, xentri.{context}.{action}.v{n}: each has a payload struct
// below and a schema events/<type>.schema.json; tests keep the three in step.
const (
	EventUserSignup          = "xentri.user.signup.v1"
	EventUserLogin           = "xentri.user.login.v1"
	EventUserDeleted         = "xentri.user.deleted.v1"
	EventOrgCreated          = "xentri.org.created.v1"
	EventBriefCreated        = "xentri.brief.created.v1"
	EventBriefUpdated        = "xentri.brief.updated.v1"
	EventAIProposalGenerated = "xentri.ai.proposal.generated.v1"
	EventWebsitePublished    = "xentri.website.published.v1"
	EventPageUpdated         = "xentri.page.updated.v1"
	EventContentPublished    = "xentri.content.published.v1"
	EventLeadCreated         = "xentri.lead.created.v1"
	EventLeadUpdated         = "xentri.lead.updated.v1"
	EventFollowupScheduled   = "xentri.followup.scheduled.v1"
	EventWorkflowFailed      = "xentri.workflow.failed.v1"
)

// Lead statuses, the enum of status in the lead events.
const (
	LeadStatusNew       = "new"
	LeadStatusContacted = "contacted"
	LeadStatusQualified = "qualified"
	LeadStatusWon       = "won"
	LeadStatusLost      = "lost"
)

// UserSignup is the payload of xentri.user.signup.v1.
type UserSignup struct {
	UserID string `json:"user_id"`
	OrgID  string `json:"org_id"`
}

// UserLogin is the payload of xentri.user.login.v1.
type UserLogin struct {
	UserID string `json:"user_id"`
}

// UserDeleted is the payload of xentri.user.deleted.v1.
type UserDeleted struct {
	UserID string `json:"user_id"`
}

// OrgCreated is the payload of xentri.org.created.v1.
type OrgCreated struct {
	OrgID   string `json:"org_id"`
	Name    string `json:"name"`
	OwnerID string `json:"owner_id"`
}

// BriefCreated is the payload of xentri.brief.created.v1.
type BriefCreated struct {
	BriefID   string `json:"brief_id"`
	Version   int    `json:"version"`
	SessionID string `json:"session_id,omitempty"`
}

// BriefUpdated is the payload of xentri.brief.updated.v1.
type BriefUpdated struct {
	BriefID         string   `json:"brief_id"`
	Version         int      `json:"version"`
	SectionsChanged []string `json:"sections_changed"`
}

// AIProposalGenerated is the payload of xentri.ai.proposal.generated.v1.
type AIProposalGenerated struct {
	ProposalID string `json:"proposal_id"`
	BriefID    string `json:"brief_id"`
	SectionID  string `json:"section_id"`
	Kind       string `json:"kind"`
}

// WebsitePublished is the payload of xentri.website.published.v1.
type WebsitePublished struct {
	SiteID    string `json:"site_id"`
	ReleaseID string `json:"release_id"`
	URL       string `json:"url,omitempty"`
	Pages     int    `json:"pages"`
}

// PageUpdated is the payload of xentri.page.updated.v1.
type PageUpdated struct {
	SiteID string `json:"site_id"`
	PageID string `json:"page_id"`
	Path   string `json:"path"`
}

// ContentPublished is the payload of xentri.content.published.v1.
type ContentPublished struct {
	SiteID    string `json:"site_id"`
	ContentID string `json:"content_id"`
	Kind      string `json:"kind"`
}

// LeadCreated is the payload of xentri.lead.created.v1.
type LeadCreated struct {
	LeadID string `json:"lead_id"`
	Source string `json:"source"`
	Status string `json:"status"` // a LeadStatus constant
	Value  *Money `json:"value,omitempty"`
}

// Money is an amount in minor units (cents for EUR) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// LeadUpdated is the payload of xentri.lead.updated.v1: the names of the
// fields that changed and, when the status changed, the old and new status.
type LeadUpdated struct {
	LeadID         string   `json:"lead_id"`
	Changes        []string `json:"changes"`
	Status         string   `json:"status,omitempty"`
	PreviousStatus string   `json:"previous_status,omitempty"`
}

// FollowupScheduled is the payload of xentri.followup.scheduled.v1.
type FollowupScheduled struct {
	LeadID     string    `json:"lead_id"`
	FollowupID string    `json:"followup_id"`
	DueAt      time.Time `json:"due_at"`
	Step       int       `json:"step"`
	Channel    string    `json:"channel"`
}

// WorkflowFailed is the payload of xentri.workflow.failed.v1.
type WorkflowFailed struct {
	WorkflowID   string          `json:"workflow_id"`
	RunID        string          `json:"run_id"`
	WorkflowType string          `json:"workflow_type"`
	Failure      WorkflowFailure `json:"failure"`
	Attempts     int             `json:"attempts"`
	DeadLetterID string          `json:"dead_letter_id"`
}

// WorkflowFailure is why a workflow failed.
type WorkflowFailure struct {
	Message string `json:"message"`
	Type    string `json:"type,omitempty"`
}

// payloadTypes maps each payload struct to its event type.
var payloadTypes = map[reflect.Type]string{
	reflect.TypeFor[UserSignup]():          EventUserSignup,
	reflect.TypeFor[UserLogin]():           EventUserLogin,
	reflect.TypeFor[UserDeleted]():         EventUserDeleted,
	reflect.TypeFor[OrgCreated]():          EventOrgCreated,
	reflect.TypeFor[BriefCreated]():        EventBriefCreated,
	reflect.TypeFor[BriefUpdated]():        EventBriefUpdated,
	reflect.TypeFor[AIProposalGenerated](): EventAIProposalGenerated,
	reflect.TypeFor[WebsitePublished]():    EventWebsitePublished,
	reflect.TypeFor[PageUpdated]():         EventPageUpdated,
	reflect.TypeFor[ContentPublished]():    EventContentPublished,
	reflect.TypeFor[LeadCreated]():         EventLeadCreated,
	reflect.TypeFor[LeadUpdated]():         EventLeadUpdated,
	reflect.TypeFor[FollowupScheduled]():   EventFollowupScheduled,
	reflect.TypeFor[WorkflowFailed]():      EventWorkflowFailed,
}

// TypeOf is the event type whose payload is payload, a payload struct or a
// pointer to one (LeadCreated gives xentri.lead.created.v1), and whether
// payload is one.
func TypeOf(payload any) (string, bool) {
	t := reflect.TypeOf(payload)
	if t == nil {
		return "", false
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	typ, ok := payloadTypes[t]
	return typ, ok
}
