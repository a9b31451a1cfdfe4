// Package bench holds Xentri's load benchmarks: they run against the real
// Postgres and Redis of the machine, like the integration tests, and their
// figures go in the README. Run them with
//
//	go test -run '^$' -bench . -benchtime 20000x ./bench/
package bench
