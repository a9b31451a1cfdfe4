package contracts

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// BriefSchema is contracts/brief.schema.json: the JSON Schema (draft
// 2020-12) of the Universal Brief as GET /api/v1/brief returns it, served at
// GET /api/v1/brief/schema.
//
//go:embed brief.schema.json
var BriefSchema []byte

const briefSchemaURL = "https://xentri.app/schemas/brief.schema.json"

var briefSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(BriefSchema))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	c.AssertFormat()
	c.UseLoader(embeddedOnly{})
	if err := c.AddResource(briefSchemaURL, doc); err != nil {
		return nil, err
	}
	return c.Compile(briefSchemaURL)
})

// ValidateBrief checks a Brief (JSON) against BriefSchema.
func ValidateBrief(brief []byte) error {
	sch, err := briefSchema()
	if err != nil {
		return fmt.Errorf("brief schema: %w", err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(brief))
	if err != nil {
		return fmt.Errorf("brief: %w", err)
	}
	return sch.Validate(v)
}
