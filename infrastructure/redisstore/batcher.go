package redisstore

import (
	"context"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Micro-batching: one goroutine gathers concurrent admissions and sends them as one
// pipeline of EVALSHAs. A command costs the client and the server far more than the
// script's work, so sharing round trips is what lets one Redis serve the target rate.
// The batch is flushed as soon as the queue is drained: no timer adds latency when idle,
// and under load the next batch fills while the previous one is on the wire.

// States of an admitCall. The caller and the batcher race for it with compare-and-swap,
// so exactly one of them decides its fate.
const (
	callQueued int32 = iota
	callSent
	callDelivered
	callAbandoned
)

type admitCall struct {
	a     draw.Admission
	keys  []string
	args  []any
	state atomic.Int32
	res   chan admitResult // buffered: the batcher never blocks on a caller
}

type admitResult struct {
	reply []any
	err   error
}

// submit queues one admission and waits for its reply.
func (l *Ledger) submit(ctx context.Context, c *admitCall) ([]any, error) {
	select {
	case l.queue <- c:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-l.stop:
		return nil, errClosed
	}
	select {
	case r := <-c.res:
		return r.reply, r.err
	case <-ctx.Done():
		if c.state.CompareAndSwap(callQueued, callAbandoned) || c.state.CompareAndSwap(callSent, callAbandoned) {
			return nil, ctx.Err()
		}
	case <-l.done:
		// The batcher left without taking this call from the queue.
		if c.state.CompareAndSwap(callQueued, callAbandoned) {
			return nil, errClosed
		}
	}
	r := <-c.res // delivered meanwhile
	return r.reply, r.err
}

func (l *Ledger) runBatcher() {
	defer close(l.done)
	batch := make([]*admitCall, 0, l.opts.BatchMax)
	for {
		select {
		case c := <-l.queue:
			batch = append(batch, c)
		case <-l.stop:
			l.failQueued()
			return
		}
	drain:
		for len(batch) < l.opts.BatchMax {
			select {
			case c := <-l.queue:
				batch = append(batch, c)
			default:
				break drain
			}
		}
		l.flush(batch)
		clear(batch)
		batch = batch[:0]
	}
}

func (l *Ledger) failQueued() {
	for {
		select {
		case c := <-l.queue:
			if c.state.CompareAndSwap(callQueued, callDelivered) {
				c.res <- admitResult{err: errClosed}
			}
		default:
			return
		}
	}
}

func (l *Ledger) flush(batch []*admitCall) {
	live := batch[:0] // filtering in place: the write index never passes the read index
	for _, c := range batch {
		if c.state.CompareAndSwap(callQueued, callSent) {
			live = append(live, c)
		}
	}
	if len(live) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.CallTimeout)
	defer cancel()

	cmds := l.evalPipeline(ctx, live)
	var missing []*admitCall
	var at []int
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			missing, at = append(missing, live[i]), append(at, i)
		}
	}
	if len(missing) > 0 {
		// The server lost its script cache (restart, failover, SCRIPT FLUSH): load once
		// and replay only the commands that never ran.
		if err := admitScript.Load(ctx, l.client).Err(); err == nil {
			for j, cmd := range l.evalPipeline(ctx, missing) {
				cmds[at[j]] = cmd
			}
		}
	}
	for i, c := range live {
		reply, err := cmds[i].Slice()
		l.deliver(c, admitResult{reply: reply, err: err})
	}
}

func (l *Ledger) evalPipeline(ctx context.Context, calls []*admitCall) []*redis.Cmd {
	pipe := l.client.Pipeline()
	cmds := make([]*redis.Cmd, len(calls))
	hash := admitScript.Hash()
	for i, c := range calls {
		cmds[i] = pipe.EvalSha(ctx, hash, c.keys, c.args...)
	}
	_, _ = pipe.Exec(ctx) // every command carries its own error
	return cmds
}

func (l *Ledger) deliver(c *admitCall, r admitResult) {
	if c.state.CompareAndSwap(callSent, callDelivered) {
		c.res <- r
		return
	}
	// The caller gave up while its admission was on the wire. Give back what it may have
	// taken now rather than leaving the chance consumed until the recovery job runs.
	if r.err != nil {
		return
	}
	if ad, err := decodeAdmit(r.reply); err == nil {
		l.background.Add(1)
		go func() {
			defer l.background.Done()
			ctx, cancel := context.WithTimeout(context.Background(), l.opts.CallTimeout)
			defer cancel()
			_ = l.Undo(ctx, c.a, ad) // on failure the journal entry stays for recovery
		}()
	}
}
