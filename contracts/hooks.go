package contracts

import (
	"embed"
	"fmt"
)

// hookSchemas are the JSON Schemas of the inputs of the workflows that
// automations start by name (POST /api/v1/hooks/n8n/workflows/{name}),
// one file per hook: hooks/{name}.schema.json.
//
//go:embed hooks/*.schema.json
var hookSchemas embed.FS

// HookSchema returns the input schema of the hook name.
func HookSchema(name string) (string, error) {
	b, err := hookSchemas.ReadFile("hooks/" + name + ".schema.json")
	if err != nil {
		return "", fmt.Errorf("hook %q has no schema in contracts/hooks: %w", name, err)
	}
	return string(b), nil
}
