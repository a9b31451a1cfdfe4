package events_test

import (
	"context"
	"encoding/json"
	"iter"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/xentri/xentri/contracts"
	"github.com/xentri/xentri/internal/events"
)

// follow runs Follow in the background and hands over what it yields.
func follow(t *testing.T, seq iter.Seq2[events.Entry, error], cancel context.CancelFunc) <-chan events.Entry {
	t.Helper()
	out := make(chan events.Entry, 64)
	stopped := make(chan struct{})
	t.Cleanup(func() { cancel(); close(stopped) })
	go func() {
		for e, err := range seq {
			if err != nil {
				select {
				case <-stopped:
				default:
					t.Errorf("follow: %v", err)
				}
				return
			}
			select {
			case out <- e:
			case <-stopped:
				return
			}
		}
	}()
	return out
}

// next is the next entry within 5 s, or fails the test.
func next(t *testing.T, entries <-chan events.Entry) events.Entry {
	t.Helper()
	select {
	case e := <-entries:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no entry within 5 s")
	}
	return events.Entry{}
}

// publish runs the relay until everything committed is on the stream.
func publish(t *testing.T, r *events.Relay) {
	t.Helper()
	for {
		n, err := r.PublishBatch(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// userOf is the user id of a login event's envelope, which names it here.
func userOf(t *testing.T, e events.Entry) (org, user string) {
	t.Helper()
	var env contracts.Envelope
	if err := json.Unmarshal(e.Envelope, &env); err != nil {
		t.Fatalf("entry %s: envelope %q: %v", e.ID, e.Envelope, err)
	}
	if env.Type != e.Type {
		t.Errorf("entry %s: type %q, envelope says %q", e.ID, e.Type, env.Type)
	}
	return env.OrgID, env.Actor.ID
}

func TestFollowYieldsOneOrgsEventsInStreamOrder(t *testing.T) {
	b := setup(t)
	r := b.relay(t, nil) // one partition: both orgs share it
	mine, theirs := b.newOrg(t), b.newOrg(t)
	publish(t, r) // the orgs' own events
	first := b.entries(t, b.stream)
	var users []string
	for i := range 3 {
		users = append(users, uuid.NewString())
		b.emit(t, login(mine, users[i]))
		b.emit(t, login(theirs, uuid.NewString()))
	}
	publish(t, r)
	all := b.entries(t, b.stream)[len(first):]
	if len(all) != 6 {
		t.Fatalf("%d entries on the stream, want 6", len(all))
	}
	ctx, cancel := context.WithCancel(context.Background())
	from := "0-0"
	if len(first) > 0 {
		from = first[len(first)-1].ID
	}
	entries := follow(t, events.Follow(ctx, b.rdb, b.stream, mine.String(), from), cancel)
	var ids []string
	for i, user := range users {
		e := next(t, entries)
		org, actor := userOf(t, e)
		if org != mine.String() || actor != user || e.Type != "xentri.user.login.v1" || e.ID != all[2*i].ID {
			t.Fatalf("entry %d: %s %s org %s actor %s, want %s org %s actor %s", i, e.ID, e.Type, org, actor, all[2*i].ID, mine, user)
		}
		ids = append(ids, e.ID)
	}
	// Nothing of the other org came in between, nor comes now: the next
	// entry is the org's next event.
	b.emit(t, login(theirs, uuid.NewString()))
	last := uuid.NewString()
	b.emit(t, login(mine, last))
	publish(t, r)
	if _, actor := userOf(t, next(t, entries)); actor != last {
		t.Fatalf("after the org's events came %s, want its next login %s", actor, last)
	}

	// From an entry id: exactly what follows it.
	ctx, cancel = context.WithCancel(context.Background())
	resumed := follow(t, events.Follow(ctx, b.rdb, b.stream, mine.String(), ids[0]), cancel)
	for _, want := range append(users[1:], last) {
		if _, actor := userOf(t, next(t, resumed)); actor != want {
			t.Fatalf("resumed after %s: %s, want %s", ids[0], actor, want)
		}
	}

	// From before what the stream keeps: from its oldest entry.
	if err := b.rdb.XTrimMinID(context.Background(), b.stream, all[2].ID).Err(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithCancel(context.Background())
	trimmed := follow(t, events.Follow(ctx, b.rdb, b.stream, mine.String(), "1-0"), cancel)
	if e := next(t, trimmed); e.ID != ids[1] {
		t.Fatalf("from a trimmed id: %s, want the oldest kept %s", e.ID, ids[1])
	}
}

func TestFollowFromNowSkipsWhatIsOnTheStream(t *testing.T) {
	b := setup(t)
	r := b.relay(t, nil)
	org := b.newOrg(t)
	b.emit(t, login(org, uuid.NewString()))
	publish(t, r)
	ctx, cancel := context.WithCancel(context.Background())
	entries := follow(t, events.Follow(ctx, b.rdb, b.stream, org.String(), "$"), cancel)
	// Follow starts in the background: emit until something arrives. It
	// must be new, and then every later event comes too, in order.
	var sent []string
	deadline := time.Now().Add(10 * time.Second)
	var got events.Entry
	for got.ID == "" {
		if time.Now().After(deadline) {
			t.Fatal("nothing new arrived within 10 s")
		}
		sent = append(sent, uuid.NewString())
		b.emit(t, login(org, sent[len(sent)-1]))
		publish(t, r)
		select {
		case got = <-entries:
		case <-time.After(200 * time.Millisecond):
		}
	}
	_, actor := userOf(t, got)
	at := -1
	for i, s := range sent {
		if s == actor {
			at = i
		}
	}
	if at < 0 {
		t.Fatalf("from now: got %s, which is not new", actor)
	}
	for _, want := range sent[at+1:] {
		if _, actor := userOf(t, next(t, entries)); actor != want {
			t.Fatalf("got %s, want %s", actor, want)
		}
	}
}

func TestFollowerReadsTheOrgsPartition(t *testing.T) {
	b := setup(t)
	r := b.relay(t, func(c *events.RelayConfig) { c.Partitions = 4 })
	org := b.newOrg(t)
	user := uuid.NewString()
	b.emit(t, login(org, user))
	publish(t, r)
	f := &events.Follower{Redis: b.rdb, Stream: b.stream, Partitions: 4}
	ctx, cancel := context.WithCancel(context.Background())
	entries := follow(t, f.Follow(ctx, org.String(), "0"), cancel)
	e := next(t, entries)
	if _, actor := userOf(t, e); actor != user {
		t.Fatalf("got %s", actor)
	}
	msgs, err := b.rdb.XRange(context.Background(), events.StreamFor(b.stream, org.String(), 4), e.ID, e.ID).Result()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("entry %s is not on the org's partition: %v %v", e.ID, msgs, err)
	}
}

func TestParseEntryID(t *testing.T) {
	for in, want := range map[string]string{
		"1718000000000-0": "1718000000000-0", "1718000000000-12": "1718000000000-12", "1718000000000": "1718000000000-0", "0": "0-0",
		"18446744073709551615-18446744073709551615": "18446744073709551615-18446744073709551615",
	} {
		if got, err := events.ParseEntryID(in); err != nil || got != want {
			t.Errorf("ParseEntryID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "$", "-", "+", "1-", "-1", "1-2-3", "abc", "1 ", " 1", "18446744073709551616-0", "1-18446744073709551616", "1.5", "0x10", "\x00"} {
		if got, err := events.ParseEntryID(in); err == nil {
			t.Errorf("ParseEntryID(%q) = %q, want an error", in, got)
		}
	}
}
