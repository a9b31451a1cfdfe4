package brand

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/services"
)

// Block types: a page is an ordered list of typed blocks, each with data
// that fits its JSON Schema in contracts/blocks/{type}.schema.json.
const (
	BlockHero         = "hero"
	BlockRichText     = "rich_text" // Markdown, stored as written; rendered on publishing
	BlockFeatures     = "features"
	BlockTestimonials = "testimonials"
	BlockGallery      = "gallery"
	BlockCTA          = "cta"
	BlockContactForm  = "contact_form"
	BlockPricing      = "pricing"
)

// MaxBlocks is the most blocks a page holds.
const MaxBlocks = 50

// Block is one block of a page. Cites are the Brief fields
// ("section.field") the block's copy was drafted from; absent on blocks
// written by hand.
type Block struct {
	Type  string          `json:"type"`
	Data  json.RawMessage `json:"data"`
	Cites []string        `json:"cites,omitempty"`
}

var (
	blockSchemasOnce sync.Once
	blockSchemas     map[string]*jsonschema.Schema
	blockSchemasErr  error
	citePattern      = regexp.MustCompile(`^[a-z_]{1,50}\.[a-z_]{1,50}$`)
)

// compiledBlockSchemas compiles the block schemas of package contracts,
// once.
func compiledBlockSchemas() (map[string]*jsonschema.Schema, error) {
	blockSchemasOnce.Do(func() {
		out := map[string]*jsonschema.Schema{}
		c := jsonschema.NewCompiler()
		for _, t := range contracts.BlockTypes {
			raw, err := contracts.BlockSchema(t)
			if err != nil {
				blockSchemasErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(strings.NewReader(raw))
			if err != nil {
				blockSchemasErr = fmt.Errorf("block %s schema: %w", t, err)
				return
			}
			url := "https://xentri.app/schemas/blocks/" + t + ".schema.json"
			if err := c.AddResource(url, doc); err != nil {
				blockSchemasErr = fmt.Errorf("block %s schema: %w", t, err)
				return
			}
			if out[t], err = c.Compile(url); err != nil {
				blockSchemasErr = fmt.Errorf("block %s schema: %w", t, err)
				return
			}
		}
		blockSchemas = out
	})
	return blockSchemas, blockSchemasErr
}

// CheckBlocks validates a page's blocks, each block's data against its
// type's schema, and returns them with canonical data. A bad block is
// Invalid, its fields named blocks[i].type, blocks[i].data.{pointer}.
func CheckBlocks(blocks []Block) ([]Block, error) {
	schemas, err := compiledBlockSchemas()
	if err != nil {
		return nil, err
	}
	if len(blocks) > MaxBlocks {
		return nil, &services.Error{Code: services.Invalid, Message: fmt.Sprintf("A page holds at most %d blocks.", MaxBlocks),
			Fields: map[string]string{"blocks": fmt.Sprintf("must hold at most %d blocks", MaxBlocks)}}
	}
	bad := map[string]string{}
	out := make([]Block, 0, len(blocks))
	for i, b := range blocks {
		at := fmt.Sprintf("blocks[%d]", i)
		schema, ok := schemas[b.Type]
		if !ok {
			bad[at+".type"] = "must be one of " + strings.Join(contracts.BlockTypes, ", ")
			continue
		}
		if len(bytes.TrimSpace(b.Data)) == 0 || string(bytes.TrimSpace(b.Data)) == "null" {
			bad[at+".data"] = "is required: an object that fits the " + b.Type + " schema"
			continue
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b.Data))
		if err != nil {
			bad[at+".data"] = "must be JSON"
			continue
		}
		if err := schema.Validate(doc); err != nil {
			for field, msg := range schemaProblems(err) {
				bad[at+".data"+field] = msg
			}
			continue
		}
		if len(b.Cites) > 30 || slices.ContainsFunc(b.Cites, func(c string) bool { return !citePattern.MatchString(c) }) {
			bad[at+".cites"] = "must list at most 30 Brief fields, each section.field"
			continue
		}
		data, err := json.Marshal(doc)
		if err != nil {
			return nil, fmt.Errorf("block %d: %w", i, err)
		}
		out = append(out, Block{Type: b.Type, Data: data, Cites: b.Cites})
	}
	if len(bad) > 0 {
		return nil, &services.Error{Code: services.Invalid, Message: "Some blocks of the page are not valid: " + firstProblem(bad), Fields: bad}
	}
	return out, nil
}

// schemaProblems names each failing place of a block's data (".headline",
// ".items.0.title"; "" for the data itself) with what is wrong there.
func schemaProblems(err error) map[string]string {
	out := map[string]string{}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		out[""] = err.Error()
		return out
	}
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			field := ""
			for _, tok := range e.InstanceLocation {
				field += "." + tok
			}
			msg := e.Error()
			if _, rest, ok := strings.Cut(msg, ": "); ok && strings.HasPrefix(msg, "at '") {
				msg = rest
			}
			if len(msg) > 300 {
				msg = msg[:300] + "..."
			}
			out[field] = msg
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	return out
}

func firstProblem(bad map[string]string) string {
	keys := make([]string, 0, len(bad))
	for k := range bad {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys[0] + " " + bad[keys[0]] + "."
}
