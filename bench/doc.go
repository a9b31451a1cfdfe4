// Package bench holds Xentri's load benchmarks: they run against the real
// Postgres and Redis of the machine, like the integration tests, and their
// figures go in the README. Run the relay benchmarks with
//
//	go test -run '^$' -bench 'XADD|Relay' -benchtime 20000x ./bench/
//
// BenchmarkLeads builds the binary and runs a real `xentri dev` (with its own
// Temporal dev server from bin/temporal) on a fresh database and Redis DB 12:
// 10,000 leads through the API, their reads, bare SDK starts of a
// lead-shaped workflow (and of one no worker runs) for comparison, then a full restart after which every lead's first follow-up
// must still fire. It takes about a quarter of an hour and runs its scenario
// once whatever b.N is:
//
//	go test -run '^$' -bench Leads -benchtime 1x -timeout 40m ./bench/
//
// XENTRI_BENCH_LEADS=300 makes a short run; XENTRI_BENCH_ORGS,
// XENTRI_BENCH_FOLLOWUP_DAY and XENTRI_BENCH_DEV_* are described on
// BenchmarkLeads.
package bench
