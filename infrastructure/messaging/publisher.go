package messaging

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/lottery-go/lottery/domain/draw"
)

// ErrNotConnected: the NATS connection is down, so nothing was published.
var ErrNotConnected = errors.New("nats not connected")

// Publisher sends outbox entries to the grant stream.
type Publisher struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	stream string
	wait   time.Duration
}

// maxPendingAcks bounds the publishes awaiting their ack; a relay batch stays below it.
const maxPendingAcks = 4096

// NewPublisher publishes on conn into the stream of prefix; one batch waits at most wait
// for its acks. It has its own JetStream handle because async publishes need a timeout:
// without one, a future whose ack was lost while the server was away never completes.
func NewPublisher(conn *Conn, prefix string, wait time.Duration) (*Publisher, error) {
	js, err := jetstream.New(conn.NC, jetstream.WithPublishAsyncTimeout(wait), jetstream.WithPublishAsyncMaxPending(maxPendingAcks))
	if err != nil {
		return nil, fmt.Errorf("publisher: %w", err)
	}
	return &Publisher{nc: conn.NC, js: js, stream: StreamName(prefix), wait: wait}, nil
}

// maxGroup bounds the events of one message (~200 bytes each, far below NATS's 1 MB).
const maxGroup = 512

// Publish sends the entries with one message per subject (award kind): a single event
// as itself, several as a JSON array of events, one store and one delivery for all of
// them. Each message has an id made of what it carries (messageID, groupID), so that
// JetStream drops a republished duplicate within its window; beyond it, the grants table
// makes a repeated event harmless. It then awaits the acks.
// errs[i] is nil when entries[i] was stored.
func (p *Publisher) Publish(ctx context.Context, entries []draw.OutboxEntry) (errs []error) {
	errs = make([]error, len(entries))
	if !p.nc.IsConnected() {
		// Publishing now would only fill the reconnect buffer and time out later.
		for i := range errs {
			errs[i] = ErrNotConnected
		}
		return errs
	}
	groups := groupBySubject(entries)
	futures := make([]jetstream.PubAckFuture, len(groups))
	gerrs := make([]error, len(groups))
	for g, idx := range groups {
		msg := &nats.Msg{Subject: entries[idx[0]].Subject, Data: groupPayload(entries, idx)}
		if d := entries[idx[0]].Deliveries; d > 0 {
			msg.Header = nats.Header{DeliveriesHeader: []string{strconv.Itoa(d)}}
		}
		futures[g], gerrs[g] = p.js.PublishMsgAsync(msg, jetstream.WithExpectStream(p.stream),
			jetstream.WithMsgID(groupID(entries, idx)))
	}
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	for g, f := range futures {
		if f != nil {
			select {
			case <-f.Ok():
			case err := <-f.Err():
				gerrs[g] = err
			case <-ctx.Done():
				gerrs[g] = fmt.Errorf("await ack: %w", ctx.Err())
			}
		}
		for _, i := range groups[g] {
			errs[i] = gerrs[g]
		}
	}
	return errs
}

// OldestStored is when the oldest message still in the grant stream was stored; ok is
// false when the stream holds none. The stream is a work queue, so an event published
// before that time has been acknowledged: taken by a granter, not waiting in the stream.
func (p *Publisher) OldestStored(ctx context.Context) (at time.Time, ok bool, err error) {
	if !p.nc.IsConnected() { // asking would wait for the connection, up to ctx's end
		return time.Time{}, false, ErrNotConnected
	}
	ctx, cancel := context.WithTimeout(ctx, askTimeout)
	defer cancel()
	s, err := p.js.Stream(ctx, p.stream)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("stream %s: %w", p.stream, err)
	}
	info := s.CachedInfo() // Stream asked the server for it just now
	if info.State.Msgs == 0 {
		return time.Time{}, false, nil
	}
	return info.State.FirstTime, true, nil
}

// askTimeout bounds a question to the stream, so that a server that stopped answering
// holds a job's run up for seconds, not for the run's whole time.
const askTimeout = 5 * time.Second

// DeliveriesHeader carries the grant deliveries the events of a message had before it
// (draw.OutboxEntry.Deliveries); a message without it had none.
const DeliveriesHeader = "Lottery-Deliveries"

// messageID names a single event for JetStream's de-duplication: its order id and a hash
// of its payload. Every republish of one event carries the same payload, so it is dropped
// within the window; a failed grant's event sent again carries reopened_at, so it is not,
// and nor is one a granter handed back to wait in the outbox (its hand-backs differ, and
// its deliveries when they were counted).
// Versions before this one used the bare order id: while both run, a republish by the other
// version is not recognised as a repeat, which the grants table makes harmless (a coupon
// webhook may then be called twice, with the same order id).
func messageID(e draw.OutboxEntry) string {
	h := fnv.New64a()
	_, _ = h.Write(e.Payload)
	id := strconv.FormatInt(e.OrderID, 10) + "-" + strconv.FormatUint(h.Sum64(), 36)
	if e.Deliveries > 0 {
		id += "-d" + strconv.Itoa(e.Deliveries)
	}
	if e.HandedBack > 0 {
		id += "-h" + strconv.Itoa(e.HandedBack)
	}
	return id
}

// groupID is the message id of the entries at idx: a single event's messageID, or a hash
// of the group's order ids, payloads and hand-backs.
func groupID(entries []draw.OutboxEntry, idx []int) string {
	if len(idx) == 1 {
		return messageID(entries[idx[0]])
	}
	h := fnv.New64a()
	var id [8]byte
	for _, i := range idx {
		binary.LittleEndian.PutUint64(id[:], uint64(entries[i].OrderID))
		_, _ = h.Write(id[:])
		_, _ = h.Write(entries[i].Payload)
		if n := entries[i].HandedBack; n > 0 { // a fresh group keeps the id it always had
			binary.LittleEndian.PutUint64(id[:], uint64(n))
			_, _ = h.Write(id[:])
		}
	}
	if d := entries[idx[0]].Deliveries; d > 0 { // a fresh group keeps the id it always had
		binary.LittleEndian.PutUint64(id[:], uint64(d))
		_, _ = h.Write(id[:])
	}
	return "g" + strconv.Itoa(len(idx)) + "-" + strconv.FormatInt(entries[idx[0]].OrderID, 10) + "-" + strconv.FormatUint(h.Sum64(), 36)
}

// groupBySubject returns the indexes of entries by subject (and deliveries so far, which
// a message carries in a header), in order of first appearance, at most maxGroup to a group.
func groupBySubject(entries []draw.OutboxEntry) [][]int {
	type key struct {
		subject    string
		deliveries int
	}
	var groups [][]int
	open := map[key]int{}
	for i, e := range entries {
		k := key{e.Subject, e.Deliveries}
		g, ok := open[k]
		if !ok || len(groups[g]) == maxGroup {
			g = len(groups)
			groups = append(groups, nil)
			open[k] = g
		}
		groups[g] = append(groups[g], i)
	}
	return groups
}

// groupPayload is the one event's payload, or a JSON array of the events' payloads.
func groupPayload(entries []draw.OutboxEntry, idx []int) []byte {
	if len(idx) == 1 {
		return entries[idx[0]].Payload
	}
	n := 1
	for _, i := range idx {
		n += len(entries[i].Payload) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for k, i := range idx {
		if k > 0 {
			out = append(out, ',')
		}
		out = append(out, entries[i].Payload...)
	}
	return append(out, ']')
}
