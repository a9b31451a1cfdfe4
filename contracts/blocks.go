package contracts

import (
	"embed"
	"fmt"
)

// BlockTypes are the types of a page's blocks, each with the JSON Schema of
// its data in blocks/{type}.schema.json.
var BlockTypes = []string{"hero", "rich_text", "features", "testimonials", "gallery", "cta", "contact_form", "pricing"}

//go:embed blocks/*.schema.json
var blockSchemas embed.FS

// BlockSchema returns the JSON Schema of a block type's data.
func BlockSchema(blockType string) (string, error) {
	b, err := blockSchemas.ReadFile("blocks/" + blockType + ".schema.json")
	if err != nil {
		return "", fmt.Errorf("block type %q has no schema in contracts/blocks: %w", blockType, err)
	}
	return string(b), nil
}
