package contracts
import ("testing";"encoding/json";"bytes";"github.com/santhosh-tekuri/jsonschema/v6")
var calPayload, _ = json.Marshal(LeadCreated{LeadID: uuidA, Source: "website form", Status: LeadStatusNew, Value: &Money{Amount: 125000, Currency: "EUR"}})
func BenchmarkCalStruct(b *testing.B) { b.ReportAllocs(); for b.Loop() { var l LeadCreated; json.Unmarshal(calPayload, &l) } }
func BenchmarkCalMarshal(b *testing.B) { b.ReportAllocs(); l := LeadCreated{LeadID: uuidA, Source: "website form", Status: LeadStatusNew, Value: &Money{Amount: 125000, Currency: "EUR"}}; for b.Loop() { json.Marshal(l) } }
func BenchmarkCalAny(b *testing.B) { b.ReportAllocs(); for b.Loop() { var v any; json.Unmarshal(calPayload, &v) } }
func BenchmarkCalDecoder(b *testing.B) { b.ReportAllocs(); for b.Loop() { jsonschema.UnmarshalJSON(bytes.NewReader(calPayload)) } }
func BenchmarkCalValidateOnly(b *testing.B) { b.ReportAllocs(); v, _ := jsonschema.UnmarshalJSON(bytes.NewReader(calPayload)); s := schemas().events[EventLeadCreated].schema; for b.Loop() { s.Validate(v) } }
func BenchmarkCalValidateFloat(b *testing.B) { b.ReportAllocs(); var v any; json.Unmarshal(calPayload, &v); s := schemas().events[EventLeadCreated].schema; for b.Loop() { if err := s.Validate(v); err != nil { b.Fatal(err) } } }
