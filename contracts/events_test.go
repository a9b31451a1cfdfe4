package contracts

import (
	"encoding/json"
	"errors"
	"io/fs"
	"maps"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
)

// wantEventTypes is the event catalogue: every type here has a schema and a
// payload struct, and nothing else has either.
var wantEventTypes = []string{
	"xentri.user.signup.v1",
	"xentri.user.login.v1",
	"xentri.user.deleted.v1",
	"xentri.org.created.v1",
	"xentri.brief.created.v1",
	"xentri.brief.updated.v1",
	"xentri.ai.proposal.generated.v1",
	"xentri.website.published.v1",
	"xentri.page.updated.v1",
	"xentri.content.published.v1",
	"xentri.lead.created.v1",
	"xentri.lead.updated.v1",
	"xentri.followup.scheduled.v1",
	"xentri.workflow.failed.v1",
}

const (
	uuidA = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"
	uuidB = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7c"
	uuidC = "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7d"
)

// examples holds one payload per event type with every field filled,
// optional ones included, so each field is checked against its schema.
var examples = []any{
	UserSignup{UserID: uuidA, OrgID: uuidB},
	UserLogin{UserID: uuidA},
	UserDeleted{UserID: uuidA},
	OrgCreated{OrgID: uuidA, Name: "Acme Plumbing", OwnerID: uuidB},
	BriefCreated{BriefID: uuidA, Version: 1, SessionID: uuidB},
	BriefUpdated{BriefID: uuidA, Version: 2, SectionsChanged: []string{"identity", "offerings"}},
	AIProposalGenerated{ProposalID: uuidA, BriefID: uuidB, SectionID: "goals", Kind: "rewrite"},
	WebsitePublished{SiteID: uuidA, ReleaseID: uuidB, URL: "https://acme.xentri.app/", Pages: 5},
	PageUpdated{SiteID: uuidA, PageID: uuidB, Path: "/about"},
	ContentPublished{SiteID: uuidA, ContentID: uuidB, Kind: "post"},
	LeadCreated{LeadID: uuidA, Source: "website form", Status: LeadStatusNew, Value: &Money{Amount: 125000, Currency: "EUR"}},
	LeadUpdated{LeadID: uuidA, Changes: []string{"status", "value"}, Status: LeadStatusQualified, PreviousStatus: LeadStatusContacted},
	FollowupScheduled{LeadID: uuidA, FollowupID: uuidB, DueAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC), Step: 1, Channel: "email"},
	WorkflowFailed{
		WorkflowID: "lead-followup-" + uuidA, RunID: "4f1e2d3c-run", WorkflowType: "LeadFollowup",
		Failure: WorkflowFailure{Message: "smtp: connection refused", Type: "DeliveryError"}, Attempts: 3, DeadLetterID: uuidC,
	},
}

func readSchema(t *testing.T, eventType string) map[string]any {
	t.Helper()
	b, err := fs.ReadFile(EventSchemas, "events/"+eventType+schemaSuffix)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

func TestSchemasCompile(t *testing.T) {
	t.Parallel()
	if _, err := compileSchemas(EventSchemas); err != nil {
		t.Fatal(err)
	}
	files, err := fs.Glob(EventSchemas, "events/*")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		base := path.Base(file)
		if !strings.HasSuffix(base, schemaSuffix) {
			t.Errorf("%s: every file in events/ is a <type>.schema.json", file)
			continue
		}
		var doc map[string]any
		b, _ := fs.ReadFile(EventSchemas, file)
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if doc["$schema"] != "https://json-schema.org/draft/2020-12/schema" {
			t.Errorf("%s: $schema is %v, want draft 2020-12", file, doc["$schema"])
		}
		for _, kw := range []string{"title", "description"} {
			if s, _ := doc[kw].(string); s == "" {
				t.Errorf("%s: no %s", file, kw)
			}
		}
		if doc["type"] != "object" || doc["additionalProperties"] != false {
			t.Errorf("%s: want type object and additionalProperties false", file)
		}
		if req, _ := doc["required"].([]any); len(req) == 0 {
			t.Errorf("%s: no required", file)
		}
		if base == envelopeFile {
			continue
		}
		// xentri.ai.proposal.generated.v1 -> ai.proposal.generated@1
		typ := strings.TrimSuffix(base, schemaSuffix)
		i := strings.LastIndex(typ, ".v")
		want := strings.TrimPrefix(typ[:i], "xentri.") + "@" + typ[i+2:]
		if doc[payloadKeyword] != want {
			t.Errorf("%s: %s is %v, want %s", file, payloadKeyword, doc[payloadKeyword], want)
		}
		if doc["title"] != typ {
			t.Errorf("%s: title is %v, want %s", file, doc["title"], typ)
		}
	}
}

// The compiler reads nothing but the embedded schemas: a $ref elsewhere
// fails to compile rather than reaching for the network or the disk.
func TestSchemasLoadNothingElse(t *testing.T) {
	t.Parallel()
	fsys := fstest.MapFS{
		"events/envelope.schema.json": {Data: []byte(`{"$id": "https://xentri.app/schemas/events/envelope.schema.json", "type": "object"}`)},
		"events/xentri.x.y.v1.schema.json": {Data: []byte(`{"$id": "https://xentri.app/schemas/events/xentri.x.y.v1.schema.json",
			"x-payload-schema": "x.y@1", "$ref": "https://example.com/other.json"}`)},
	}
	_, err := compileSchemas(fsys)
	if err == nil || !strings.Contains(err.Error(), "not an embedded schema") {
		t.Fatalf("compiling a remote $ref: err = %v, want not an embedded schema", err)
	}
	fsys["events/xentri.x.y.v1.schema.json"] = &fstest.MapFile{Data: []byte(`{"$id": "https://example.com/x.json", "x-payload-schema": "x.y@1"}`)}
	if _, err := compileSchemas(fsys); err == nil || !strings.Contains(err.Error(), "$id") {
		t.Fatalf("a schema whose $id is not its file: err = %v", err)
	}
}

func TestEventTypesHaveSchemaAndStruct(t *testing.T) {
	t.Parallel()
	want := slices.Sorted(slices.Values(wantEventTypes))
	if got := EventTypes(); !slices.Equal(got, want) {
		t.Errorf("schemas in events/ describe\n%v\nwant\n%v", got, want)
	}
	if got := slices.Sorted(maps.Values(payloadTypes)); !slices.Equal(got, want) {
		t.Errorf("payload structs are for\n%v\nwant\n%v", got, want)
	}
	var covered []string
	for _, ex := range examples {
		typ, ok := TypeOf(ex)
		if !ok {
			t.Fatalf("TypeOf(%T) is not an event", ex)
		}
		covered = append(covered, typ)
	}
	if slices.Sort(covered); !slices.Equal(covered, want) {
		t.Errorf("examples cover\n%v\nwant\n%v", covered, want)
	}
	for _, typ := range wantEventTypes {
		name, ok := PayloadSchemaName(typ)
		if !ok || !strings.HasSuffix(name, "@1") {
			t.Errorf("PayloadSchemaName(%s) = %q, %v", typ, name, ok)
		}
	}
	if _, ok := PayloadSchemaName("xentri.lead.exploded.v1"); ok {
		t.Error("PayloadSchemaName knows an unknown type")
	}
	if got := EventTypes(); &got[0] == &schemas().types[0] {
		t.Error("EventTypes hands out the registry's slice")
	}
}

// Each filled example validates against its schema, and the struct and
// the schema agree field by field: the same JSON names, required exactly
// where the struct has no omitempty. Renaming either side fails here.
func TestPayloadStructsMatchSchemas(t *testing.T) {
	t.Parallel()
	for _, ex := range examples {
		typ, _ := TypeOf(ex)
		t.Run(typ, func(t *testing.T) {
			t.Parallel()
			assertFilled(t, reflect.ValueOf(ex), typ)
			b, err := json.Marshal(ex)
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidatePayload(typ, b); err != nil {
				t.Fatalf("%s does not validate: %v", b, err)
			}
			compareFields(t, typ, reflect.TypeOf(ex), readSchema(t, typ))
		})
	}
}

// assertFilled fails on a zero field: an example leaving one out would not
// check it against the schema.
func assertFilled(t *testing.T, v reflect.Value, at string) {
	t.Helper()
	if v.IsZero() {
		t.Errorf("example: %s is empty; fill every field", at)
		return
	}
	switch v.Kind() {
	case reflect.Pointer:
		assertFilled(t, v.Elem(), at)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return
		}
		for i := range v.NumField() {
			assertFilled(t, v.Field(i), at+"."+v.Type().Field(i).Name)
		}
	}
}

func compareFields(t *testing.T, at string, st reflect.Type, schema map[string]any) {
	t.Helper()
	if st.Kind() == reflect.Pointer {
		st = st.Elem()
	}
	props, _ := schema["properties"].(map[string]any)
	required := map[string]bool{}
	for _, r := range schema["required"].([]any) {
		required[r.(string)] = true
	}
	inStruct := map[string]bool{}
	for i := range st.NumField() {
		f := st.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "" || name == "-" {
			t.Errorf("%s.%s has no json name", at, f.Name)
			continue
		}
		inStruct[name] = true
		prop, ok := props[name].(map[string]any)
		if !ok {
			t.Errorf("%s: struct field %s (%q) is not in the schema", at, f.Name, name)
			continue
		}
		if optional := strings.Contains(opts, "omitempty"); optional == required[name] {
			t.Errorf("%s: %q required in schema = %v, but omitempty in struct = %v", at, name, required[name], optional)
		}
		if _, nested := prop["properties"]; nested {
			compareFields(t, at+"."+name, f.Type, prop)
		}
	}
	for name := range props {
		if !inStruct[name] {
			t.Errorf("%s: schema property %q has no struct field", at, name)
		}
	}
}

func TestValidatePayloadRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		typ     string
		payload string
		field   string // named in the error
	}{
		{"missing required", EventLeadCreated, `{"source": "web", "status": "new"}`, "lead_id"},
		{"extra property", EventLeadCreated, `{"lead_id": "` + uuidA + `", "source": "web", "status": "new", "email": "a@b.c"}`, "email"},
		{"not a uuid", EventLeadCreated, `{"lead_id": "42", "source": "web", "status": "new"}`, "/lead_id"},
		{"bad currency", EventLeadCreated, `{"lead_id": "` + uuidA + `", "source": "web", "status": "new", "value": {"amount": 100, "currency": "eur"}}`, "/value/currency"},
		{"fractional amount", EventLeadCreated, `{"lead_id": "` + uuidA + `", "source": "web", "status": "new", "value": {"amount": 1.5, "currency": "EUR"}}`, "/value/amount"},
		{"unknown status", EventLeadCreated, `{"lead_id": "` + uuidA + `", "source": "web", "status": "hot"}`, "/status"},
		{"empty source", EventLeadCreated, `{"lead_id": "` + uuidA + `", "source": "", "status": "new"}`, "/source"},
		{"not a date-time", EventFollowupScheduled, `{"lead_id": "` + uuidA + `", "followup_id": "` + uuidB + `", "due_at": "tomorrow", "step": 1, "channel": "email"}`, "/due_at"},
		{"no changes", EventLeadUpdated, `{"lead_id": "` + uuidA + `", "changes": []}`, "/changes"},
		{"null array", EventBriefUpdated, `{"brief_id": "` + uuidA + `", "version": 1, "sections_changed": null}`, "/sections_changed"},
		{"nested extra", EventWorkflowFailed, `{"workflow_id": "w", "run_id": "r", "workflow_type": "T", "failure": {"message": "m", "stack": "..."}, "attempts": 3, "dead_letter_id": "` + uuidC + `"}`, "stack"},
		{"not an object", EventUserLogin, `["` + uuidA + `"]`, "/"},
		{"not JSON", EventUserLogin, `{"user_id": `, "not JSON"},
		{"trailing data", EventUserLogin, `{"user_id": "` + uuidA + `"} {}`, "not JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePayload(tt.typ, []byte(tt.payload))
			if !errors.Is(err, ErrInvalidPayload) {
				t.Fatalf("err = %v, want ErrInvalidPayload", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.field) || !strings.Contains(msg, tt.typ) || strings.Contains(msg, "\n") {
				t.Errorf("error %q: want one line naming %s and %s", msg, tt.typ, tt.field)
			}
		})
	}
}

func TestValidatePayloadUnknownType(t *testing.T) {
	t.Parallel()
	for _, typ := range []string{"xentri.lead.exploded.v1", "xentri.lead.created.v2", "", "envelope"} {
		err := ValidatePayload(typ, []byte(`{}`))
		if !errors.Is(err, ErrUnknownEventType) || errors.Is(err, ErrInvalidPayload) {
			t.Errorf("ValidatePayload(%q): err = %v, want ErrUnknownEventType", typ, err)
		}
	}
}

func TestTypeOf(t *testing.T) {
	t.Parallel()
	tests := []struct {
		payload any
		want    string
		ok      bool
	}{
		{LeadCreated{}, EventLeadCreated, true},
		{&LeadCreated{}, EventLeadCreated, true},
		{(*WorkflowFailed)(nil), EventWorkflowFailed, true},
		{AIProposalGenerated{}, EventAIProposalGenerated, true},
		{Money{}, "", false},
		{map[string]any{"lead_id": uuidA}, "", false},
		{"xentri.lead.created.v1", "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		if got, ok := TypeOf(tt.payload); got != tt.want || ok != tt.ok {
			t.Errorf("TypeOf(%#v) = %q, %v, want %q, %v", tt.payload, got, ok, tt.want, tt.ok)
		}
	}
}

func envelopeFor(t testing.TB, payload any, full bool) Envelope {
	t.Helper()
	typ, ok := TypeOf(payload)
	if !ok {
		t.Fatalf("%T is not a payload", payload)
	}
	name, _ := PayloadSchemaName(typ)
	b, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	e := Envelope{
		ID: uuidC, Type: typ, OccurredAt: time.Date(2026, 1, 15, 10, 4, 5, 123456789, time.UTC), OrgID: uuidB,
		Actor:           Actor{Type: "user", ID: uuidA},
		EnvelopeVersion: EnvelopeVersion, PayloadSchema: name, Payload: b,
		Meta: Meta{Source: "sales"},
	}
	if full {
		e.DedupeKey = "lead:" + uuidA + ":created"
		e.CorrelationID = "lead-followup-" + uuidA
		e.TraceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		e.Meta.Environment = "local"
		e.OccurredAt = e.OccurredAt.In(time.FixedZone("CET", 3600))
	}
	return e
}

func TestValidateEnvelope(t *testing.T) {
	t.Parallel()
	lead := examples[slices.IndexFunc(examples, func(p any) bool { _, ok := p.(LeadCreated); return ok })]
	for _, full := range []bool{false, true} {
		for _, ex := range examples {
			b, err := json.Marshal(envelopeFor(t, ex, full))
			if err != nil {
				t.Fatal(err)
			}
			if err := ValidateEnvelope(b); err != nil {
				t.Errorf("full=%v: %s: %v", full, b, err)
			}
		}
	}

	tests := []struct {
		name   string
		edit   func(m map[string]any)
		target error
		field  string
	}{
		{"envelope version 2.0", func(m map[string]any) { m["envelope_version"] = "2.0" }, ErrInvalidEnvelope, "/envelope_version"},
		{"extra field", func(m map[string]any) { m["tenant"] = "acme" }, ErrInvalidEnvelope, "tenant"},
		{"extra meta field", func(m map[string]any) { m["meta"].(map[string]any)["host"] = "x" }, ErrInvalidEnvelope, "host"},
		{"no org", func(m map[string]any) { delete(m, "org_id") }, ErrInvalidEnvelope, "org_id"},
		{"bad actor type", func(m map[string]any) { m["actor"].(map[string]any)["type"] = "robot" }, ErrInvalidEnvelope, "/actor/type"},
		{"bad type", func(m map[string]any) { m["type"] = "lead.created" }, ErrInvalidEnvelope, "/type"},
		{"bad trace id", func(m map[string]any) { m["trace_id"] = "4BF92F3577B34DA6A3CE929D0E0E4736" }, ErrInvalidEnvelope, "/trace_id"},
		{"bad occurred_at", func(m map[string]any) { m["occurred_at"] = "2026-01-15 10:04" }, ErrInvalidEnvelope, "/occurred_at"},
		{"null payload", func(m map[string]any) { m["payload"] = nil }, ErrInvalidEnvelope, "/payload"},
		{"bad environment", func(m map[string]any) { m["meta"].(map[string]any)["environment"] = "dev" }, ErrInvalidEnvelope, "/meta/environment"},
		{"wrong payload schema", func(m map[string]any) { m["payload_schema"] = "lead.updated@1" }, ErrInvalidEnvelope, "/payload_schema"},
		{"unknown type", func(m map[string]any) { m["type"] = "xentri.lead.exploded.v1" }, ErrUnknownEventType, "xentri.lead.exploded.v1"},
		{"invalid payload", func(m map[string]any) { m["payload"].(map[string]any)["status"] = "hot" }, ErrInvalidPayload, "/payload/status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b, _ := json.Marshal(envelopeFor(t, lead, true))
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m)
			b, _ = json.Marshal(m)
			err := ValidateEnvelope(b)
			if !errors.Is(err, tt.target) {
				t.Fatalf("err = %v, want %v", err, tt.target)
			}
			if !strings.Contains(err.Error(), tt.field) {
				t.Errorf("error %q does not name %s", err, tt.field)
			}
		})
	}
	if err := ValidateEnvelope([]byte(`{"id":`)); !errors.Is(err, ErrInvalidEnvelope) {
		t.Errorf("truncated JSON: err = %v, want ErrInvalidEnvelope", err)
	}
}

// Validation is called from every request and job at once.
func TestValidateConcurrently(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for j := range 50 {
				ex := examples[(i+j)%len(examples)]
				typ, _ := TypeOf(ex)
				b, _ := json.Marshal(ex)
				if err := ValidatePayload(typ, b); err != nil {
					t.Error(err)
				}
				e, _ := json.Marshal(envelopeFor(t, ex, j%2 == 0))
				if err := ValidateEnvelope(e); err != nil {
					t.Error(err)
				}
				if err := ValidatePayload(typ, []byte(`{"x": 1}`)); !errors.Is(err, ErrInvalidPayload) {
					t.Errorf("invalid payload: %v", err)
				}
			}
		})
	}
	wg.Wait()
}

func BenchmarkValidatePayload(b *testing.B) {
	payload, _ := json.Marshal(LeadCreated{LeadID: uuidA, Source: "website form", Status: LeadStatusNew, Value: &Money{Amount: 125000, Currency: "EUR"}})
	if err := ValidatePayload(EventLeadCreated, payload); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidatePayload(EventLeadCreated, payload); err != nil {
			b.Fatal(err)
		}
	}
}

// The schemas are shared by every goroutine: validation must not serialise.
func BenchmarkValidatePayloadParallel(b *testing.B) {
	payload, _ := json.Marshal(LeadCreated{LeadID: uuidA, Source: "website form", Status: LeadStatusNew, Value: &Money{Amount: 125000, Currency: "EUR"}})
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := ValidatePayload(EventLeadCreated, payload); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

func BenchmarkValidateEnvelope(b *testing.B) {
	e, _ := json.Marshal(envelopeFor(b, examples[slices.IndexFunc(examples, func(p any) bool { _, ok := p.(LeadCreated); return ok })], true))
	if err := ValidateEnvelope(e); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ValidateEnvelope(e); err != nil {
			b.Fatal(err)
		}
	}
}
