package contracts

import _ "embed"

// OpenAPI is contracts/openapi.yaml, the description of every REST endpoint.
//
//go:embed openapi.yaml
var OpenAPI []byte
