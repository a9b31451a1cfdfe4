// Package stream is the one way Xentri subscribers consume events from Redis
// Streams: a consumer-group Runner that reads the entries the relay XADDs to
// xentri:events (or its partitions), hands each ADR-002 envelope to a
// Handler, and acknowledges it only once it is done with it.
//
// Delivery is at least once. The Runner
//
//   - creates the consumer group on each stream if it is missing;
//   - handles entries in stream order per stream (within one consumer; a group
//     with several consumers splits a stream between them, so only a single
//     consumer per group gives a total order);
//   - deduplicates by event id per group, so an event the relay published
//     twice is handled once;
//   - gives each handler call a deadline (HandlerTimeout), and counts a call
//     that passes it as a failed attempt;
//   - retries a failing handler in process with backoff, keeps the entry it
//     holds from being claimed by others while it does, and counts attempts in
//     the entry's delivery counter so the attempts of a consumer that crashed
//     count too;
//   - takes over entries a dead consumer left pending (XAUTOCLAIM);
//   - moves an entry that failed MaxAttempts times, or is malformed, to a dead
//     letter stream (xentri:dlq by default), from which ListDeadLetters and
//     Redrive serve the `xentri events dlq list|redrive` CLI;
//   - rides out Redis outages, and stops gracefully but in bounded time: the
//     handler call in hand gets ShutdownGrace to finish, and is abandoned,
//     its entry left pending, if it ignores the cancel that follows.
//
// Keys it writes, besides the streams: xentri:processed:<group>:<event id>.
package stream
