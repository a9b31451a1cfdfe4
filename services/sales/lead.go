// Package sales is the sales engine (seed §4): leads, their timeline, and
// the follow-ups that keep them from going cold.
package sales

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/services"
)

// Status is where a lead stands.
type Status string

const (
	StatusNew       Status = "new"
	StatusContacted Status = "contacted"
	StatusQualified Status = "qualified"
	StatusWon       Status = "won"
	StatusLost      Status = "lost"
)

// Statuses are the five statuses in the order of the pipeline (the board's
// columns).
func Statuses() []Status {
	return []Status{StatusNew, StatusContacted, StatusQualified, StatusWon, StatusLost}
}

// ParseStatus accepts the five statuses.
func ParseStatus(s string) (Status, bool) {
	switch st := Status(s); st {
	case StatusNew, StatusContacted, StatusQualified, StatusWon, StatusLost:
		return st, true
	}
	return "", false
}

// Money is an amount in minor units (cents) of an ISO 4217 currency.
type Money struct {
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// Lead is a prospective customer.
type Lead struct {
	ID         uuid.UUID `json:"id"`
	OrgID      uuid.UUID `json:"-"`
	Name       string    `json:"name"`
	Email      *string   `json:"email"`
	Phone      *string   `json:"phone"`
	Company    *string   `json:"company"`
	Source     string    `json:"source"`
	Status     Status    `json:"status"`
	LostReason *string   `json:"lost_reason"`
	Value      *Money    `json:"value"`
	Notes      *string   `json:"notes"`
	Version    int32     `json:"version"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// FollowUps names the follow-up workflow a create started.
	FollowUps *WorkflowRef `json:"followup_workflow,omitempty"`
}

// WorkflowRef points at a workflow: its id, and where Temporal UI shows it.
type WorkflowRef struct {
	ID  string `json:"id"`
	URL string `json:"temporal_ui_url,omitempty"`
}

// LeadInput is what a caller may set on a lead.
type LeadInput struct {
	Name    string  `json:"name"`
	Email   *string `json:"email"`
	Phone   *string `json:"phone"`
	Company *string `json:"company"`
	Source  string  `json:"source"`
	Value   *Money  `json:"value"`
	Notes   *string `json:"notes"`
}

// Activity is one entry of a lead's timeline.
type Activity struct {
	ID        uuid.UUID       `json:"id"`
	Kind      string          `json:"kind"`
	Detail    json.RawMessage `json:"detail"`
	Actor     string          `json:"actor"`
	CreatedAt time.Time       `json:"created_at"`
}

var (
	emailPattern = regexp.MustCompile(`^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$`)
	phonePattern = regexp.MustCompile(`^\+?[0-9][0-9 ()\-.]{4,30}$`)
)

// normalize trims the input and checks every field, naming each bad one.
func (in *LeadInput) normalize(defaultSource string) error {
	fields := map[string]string{}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		fields["name"] = "must be 1 to 200 characters"
	}
	in.Email = trimmed(in.Email)
	if in.Email != nil && (len(*in.Email) > 254 || !emailPattern.MatchString(*in.Email)) {
		fields["email"] = "must be an e-mail address such as ana@example.com"
	}
	in.Phone = trimmed(in.Phone)
	if in.Phone != nil {
		digits := 0
		for _, c := range *in.Phone {
			if c >= '0' && c <= '9' {
				digits++
			}
		}
		if !phonePattern.MatchString(*in.Phone) || digits < 6 || digits > 15 {
			fields["phone"] = "must be a phone number of 6 to 15 digits, such as +44 20 7946 0958"
		}
	}
	in.Company = trimmed(in.Company)
	if in.Company != nil && len(*in.Company) > 200 {
		fields["company"] = "must be at most 200 characters"
	}
	in.Source = strings.TrimSpace(in.Source)
	if in.Source == "" {
		in.Source = defaultSource
	}
	if len(in.Source) > 100 {
		fields["source"] = "must be at most 100 characters"
	}
	if in.Value != nil {
		if in.Value.Amount < 0 {
			fields["value.amount"] = "must be zero or more, in minor units (cents)"
		}
		if !ValidCurrency(in.Value.Currency) {
			fields["value.currency"] = fmt.Sprintf("%q is not an ISO 4217 currency code such as EUR or USD", in.Value.Currency)
		}
	}
	in.Notes = trimmed(in.Notes)
	if in.Notes != nil && len(*in.Notes) > 5000 {
		fields["notes"] = "must be at most 5000 characters"
	}
	if len(fields) > 0 {
		return &services.Error{Code: services.Invalid, Message: "The lead has invalid fields.", Fields: fields}
	}
	return nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}
