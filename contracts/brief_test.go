package contracts

import (
	"strings"
	"testing"
)

func TestBriefSchemaCompilesAndValidates(t *testing.T) {
	t.Parallel()
	ok := `{"id":"0190d6a4-8a5b-7c1d-9e2f-0a1b2c3d4e5f","org_id":"0190d6a4-8a5b-7c1d-9e2f-0a1b2c3d4e50","version":2,
		"data":{"sections":{"identity":{"fields":{"business_name":{"value":"Rosa's","confidence":0.9,"origin":"extracted",
		"sources":[{"message_id":"m1","start":0,"end":6,"quote":"Rosa's"}],"updated_at":"2025-01-01T00:00:00Z"}}}},
		"missing":[{"section":"contact","field":"email","question":"What e-mail address should customers write to?"}]},
		"author":{"type":"copilot","id":"copilot"},"summary":"x","created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z"}`
	if err := ValidateBrief([]byte(ok)); err != nil {
		t.Fatalf("a valid brief: %v", err)
	}
	for name, bad := range map[string]string{
		"unknown section": strings.Replace(ok, `"identity":{`, `"horoscope":{`, 1),
		"wrong kind":      strings.Replace(ok, `"value":"Rosa's"`, `"value":3`, 1),
		"confidence > 1":  strings.Replace(ok, `"confidence":0.9`, `"confidence":1.5`, 1),
		"unknown origin":  strings.Replace(ok, `"origin":"extracted"`, `"origin":"guess"`, 1),
	} {
		if err := ValidateBrief([]byte(bad)); err == nil {
			t.Errorf("%s: valid", name)
		}
	}
}
