package contracts

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func loadAsyncAPI(t *testing.T) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := yaml.Unmarshal(AsyncAPI, &doc); err != nil {
		t.Fatalf("asyncapi.yaml does not parse: %v", err)
	}
	return doc
}

// resolve follows a local JSON pointer (#/a/b) in doc.
func resolve(doc map[string]any, ref string) (any, bool) {
	var cur any = doc
	for _, tok := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			v, ok := c[tok]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			cur = c[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// refs lists every $ref under v.
func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			out = append(out, r)
		}
		for _, c := range v {
			out = append(out, refs(c)...)
		}
	case []any:
		for _, c := range v {
			out = append(out, refs(c)...)
		}
	}
	return out
}

func TestAsyncAPIStructure(t *testing.T) {
	t.Parallel()
	doc := loadAsyncAPI(t)
	if doc["asyncapi"] != "3.0.0" {
		t.Errorf("asyncapi is %v, want 3.0.0", doc["asyncapi"])
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == nil || info["version"] == nil {
		t.Error("info needs title and version")
	}

	channels, _ := doc["channels"].(map[string]any)
	for id, address := range map[string]string{
		"xentriEvents":       "xentri:events",
		"xentriDLQ":          "xentri:dlq",
		"n8nDLQ":             "n8n:dlq",
		"xentriEventsPubSub": "xentri.events",
		"n8nWebhook":         "/webhook/{path}",
	} {
		ch, _ := channels[id].(map[string]any)
		if ch["address"] != address {
			t.Errorf("channel %s: address %v, want %s", id, ch["address"], address)
		}
	}
	if d, _ := channels["xentriEvents"].(map[string]any)["description"].(string); !strings.Contains(d, "xentri:events:{n}") {
		t.Error("channel xentriEvents does not say that partitions are xentri:events:{n}")
	}

	// Every $ref resolves: local ones in the document, the others to a file
	// beside asyncapi.yaml that is embedded with the schemas.
	for _, ref := range refs(doc) {
		if strings.HasPrefix(ref, "#/") {
			if _, ok := resolve(doc, ref); !ok {
				t.Errorf("$ref %s does not resolve", ref)
			}
			continue
		}
		if _, err := os.Stat(filepath.FromSlash(ref)); err != nil {
			t.Errorf("$ref %s: %v", ref, err)
		}
		if _, err := fs.Stat(EventSchemas, ref); err != nil {
			t.Errorf("$ref %s is not an embedded schema: %v", ref, err)
		}
	}

	operations, _ := doc["operations"].(map[string]any)
	if len(operations) == 0 {
		t.Fatal("no operations")
	}
	for id, o := range operations {
		op, _ := o.(map[string]any)
		if a := op["action"]; a != "send" && a != "receive" {
			t.Errorf("operation %s: action %v, want send or receive", id, a)
		}
		chRef, _ := op["channel"].(map[string]any)["$ref"].(string)
		if !strings.HasPrefix(chRef, "#/channels/") {
			t.Errorf("operation %s: channel %q is not a channel", id, chRef)
			continue
		}
		for _, m := range refs(op["messages"]) {
			if !strings.HasPrefix(m, chRef+"/messages/") {
				t.Errorf("operation %s: message %s is not one of its channel %s", id, m, chRef)
			}
		}
	}
}

// Every event type has a message carrying its envelope and payload schema,
// on every channel that carries events; no message is for an unknown type.
func TestAsyncAPIHasEveryEvent(t *testing.T) {
	t.Parallel()
	doc := loadAsyncAPI(t)
	messages, _ := doc["components"].(map[string]any)["messages"].(map[string]any)
	byType := map[string]string{} // event type -> message id
	for id, m := range messages {
		msg, _ := m.(map[string]any)
		name, _ := msg["name"].(string)
		if !strings.HasPrefix(name, "xentri.") {
			continue // dead letters
		}
		byType[name] = id
		rs := refs(msg["payload"])
		for _, want := range []string{"events/" + envelopeFile, "events/" + name + schemaSuffix} {
			if !slices.Contains(rs, want) {
				t.Errorf("message %s (%s): payload does not $ref %s", id, name, want)
			}
		}
		if _, ok := PayloadSchemaName(name); !ok {
			t.Errorf("message %s is for %s, which has no schema", id, name)
		}
	}
	for _, typ := range EventTypes() {
		id, ok := byType[typ]
		if !ok {
			t.Errorf("no message for %s", typ)
			continue
		}
		for _, ch := range []string{"xentriEvents", "xentriEventsPubSub", "n8nWebhook"} {
			ref := "#/channels/" + ch + "/messages/" + id
			m, _ := resolve(doc, ref)
			if rs := refs(m); len(rs) != 1 || rs[0] != "#/components/messages/"+id {
				t.Errorf("channel %s does not carry %s", ch, typ)
			}
		}
	}
}
