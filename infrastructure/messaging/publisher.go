package messaging

import (
	"context"
	"errors"
	"fmt"
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

// Publish sends every entry asynchronously, with its order id as the message id so that
// JetStream drops a republished duplicate, then awaits the acks. errs[i] is nil when
// entries[i] was stored.
func (p *Publisher) Publish(ctx context.Context, entries []draw.OutboxEntry) (errs []error) {
	errs = make([]error, len(entries))
	if !p.nc.IsConnected() {
		// Publishing now would only fill the reconnect buffer and time out later.
		for i := range errs {
			errs[i] = ErrNotConnected
		}
		return errs
	}
	futures := make([]jetstream.PubAckFuture, len(entries))
	for i, e := range entries {
		msg := &nats.Msg{Subject: e.Subject, Data: e.Payload}
		futures[i], errs[i] = p.js.PublishMsgAsync(msg,
			jetstream.WithMsgID(strconv.FormatInt(e.OrderID, 10)), jetstream.WithExpectStream(p.stream))
	}
	ctx, cancel := context.WithTimeout(ctx, p.wait)
	defer cancel()
	for i, f := range futures {
		if f == nil {
			continue
		}
		select {
		case <-f.Ok():
		case err := <-f.Err():
			errs[i] = err
		case <-ctx.Done():
			errs[i] = fmt.Errorf("await ack: %w", ctx.Err())
		}
	}
	return errs
}
