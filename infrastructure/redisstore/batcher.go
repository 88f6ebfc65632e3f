package redisstore

import (
	"context"
	"fmt"
	"sync/atomic"

	"github.com/redis/go-redis/v9"

	"github.com/lottery-go/lottery/domain/draw"
)

// Micro-batching: one goroutine gathers concurrent admissions and sends them in one round
// trip, as one script call per activity (up to scriptMax admissions each). A command and
// a script call cost the client and the server more than the script's own work, so
// sharing them is what lets one Redis serve the target rate.
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
	hot   *hotKeys // a.ActivityID's
	args  []any    // admit.lua's arguments of this admission, keys as keyRefs
	state atomic.Int32
	res   chan admitResult // buffered: the batcher never blocks on a caller
}

type admitResult struct {
	reply []any
	err   error
}

// submit queues one admission and waits for its reply.
// A caller already gone sends nothing. One that goes while its call is queued or on the
// wire gets ctx's error, unless its reply came first; deliver gives back what an
// abandoned admission took.
func (l *Ledger) submit(ctx context.Context, c *admitCall) ([]any, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
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

	groups := groupCalls(live, scriptMax)
	cmds := l.evalPipeline(ctx, groups)
	var missing [][]*admitCall
	var at []int
	for i, cmd := range cmds {
		if err := cmd.Err(); err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
			missing, at = append(missing, groups[i]), append(at, i)
		}
	}
	if len(missing) > 0 {
		l.replayMissing(missing, at, cmds)
	}
	for i, g := range groups {
		l.deliverGroup(g, cmds[i])
	}
}

// replayMissing sends again the script calls that found no script, missing[j] being
// cmds[at[j]]: none of them ran. They are replayed once the script is back, or failed
// with the reason it is not. The reload, which may check the server and rebuild every
// loaded activity, has the time of a load; the replay that of a call.
func (l *Ledger) replayMissing(missing [][]*admitCall, at []int, cmds []*redis.Cmd) {
	ctx, cancel := context.WithTimeout(context.Background(), l.opts.LoadTimeout)
	err := l.reloadAdmitScript(ctx)
	cancel()
	if err != nil {
		for _, i := range at {
			cmds[i] = redis.NewCmd(context.Background())
			cmds[i].SetErr(err)
		}
		return
	}
	ctx, cancel = context.WithTimeout(context.Background(), l.opts.CallTimeout)
	defer cancel()
	for j, cmd := range l.evalPipeline(ctx, missing) {
		cmds[at[j]] = cmd
	}
}

// deliverGroup hands each call of one script call its own reply, or the call's error.
func (l *Ledger) deliverGroup(g []*admitCall, cmd *redis.Cmd) {
	replies, err := cmd.Slice()
	if err == nil && len(replies) != len(g) {
		err = fmt.Errorf("admit: %d replies for %d admissions", len(replies), len(g))
	}
	for j, c := range g {
		r := admitResult{err: err}
		if err == nil {
			if r.reply, _ = replies[j].([]any); r.reply == nil {
				r.err = fmt.Errorf("admit: unexpected reply %v", replies[j])
			}
		}
		l.deliver(c, r)
	}
}

// scriptMax caps the admissions of one script call, so one call never holds Redis, which
// runs a script alone, for more than a fraction of a millisecond.
const scriptMax = 64

// groupCalls splits calls into script calls: one activity each (a script's keys must share
// a hash slot), at most limit each, in the order they came.
func groupCalls(calls []*admitCall, limit int) [][]*admitCall {
	var groups [][]*admitCall
	open := map[int64]int{} // activity → index of its group still filling
	for _, c := range calls {
		i, ok := open[c.a.ActivityID]
		if !ok || len(groups[i]) == limit {
			i = len(groups)
			groups = append(groups, make([]*admitCall, 0, min(limit, len(calls))))
			open[c.a.ActivityID] = i
		}
		groups[i] = append(groups[i], c)
	}
	return groups
}

// evalPipeline sends one script call per group, all in one round trip.
func (l *Ledger) evalPipeline(ctx context.Context, groups [][]*admitCall) []*redis.Cmd {
	pipe := l.admitter.Pipeline()
	cmds := make([]*redis.Cmd, len(groups))
	for i, g := range groups {
		cmds[i] = pipe.Do(ctx, l.evalArgs(g)...)
	}
	_, _ = pipe.Exec(ctx) // every command carries its own error
	return cmds
}

// evalArgs lays out one script call as admit.lua documents it: the activity's keys, then
// every other key the admissions name, each once; the count and TTLs; then each
// admission's arguments with its keys' indices in KEYS. Naming a key once is not only
// shorter: the script follows each key's value by index, so a repeated Idempotency-Key
// must come out as one index for its second draw to be found a duplicate.
func (l *Ledger) evalArgs(g []*admitCall) []any {
	h := g[0].hot
	na := 3
	for _, c := range g {
		na += len(c.args)
	}
	keys := []any{h.epoch, h.stock, h.blacklist, h.userTotal, h.journal}
	index := make(map[any]int, 8+2*len(g))
	args := make([]any, 0, na)
	args = append(args, len(g), l.idemTTL, l.dayTTL)
	for _, c := range g {
		for _, v := range c.args {
			if r, ok := v.(keyRef); ok {
				i, seen := index[r.name]
				if !seen {
					keys = append(keys, r.name)
					i = len(keys) // KEYS counts from 1
					index[r.name] = i
				}
				v = i
			}
			args = append(args, v)
		}
	}
	cmd := make([]any, 0, 3+len(keys)+len(args))
	cmd = append(cmd, "evalsha", l.admitHash, len(keys))
	cmd = append(cmd, keys...)
	return append(cmd, args...)
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
