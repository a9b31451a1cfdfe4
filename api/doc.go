// Package api is Xentri's HTTP layer: the chi router under /api/v1, its
// middleware (request id, tracing, panic recovery, access log, metrics, body
// limit, timeout), and thin handlers that decode, call a service, and encode.
//
// Every success body is the envelope {data, error, meta}; every error is an
// RFC 9457 application/problem+json document with type, title, status,
// detail and trace_id, produced in exactly one place (writeError).
package api
