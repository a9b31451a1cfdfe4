// Package temporal is Xentri's adapter for Temporal: the one client the API
// and the worker share (with tracing and logging wired in), the embedded dev
// server that `xentri dev` supervises, and the custom search attributes
// operators filter runs by.
package temporal
