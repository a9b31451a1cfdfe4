package contracts

import _ "embed"

// AsyncAPI is contracts/asyncapi.yaml, the description of every event
// channel: the Redis streams, the dead-letter streams, the pub/sub channel
// and the n8n webhook deliveries.
//
//go:embed asyncapi.yaml
var AsyncAPI []byte
