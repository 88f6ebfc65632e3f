package drawing

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/domain/strategy"
)

// LotteryOptions tune the default steps.
type LotteryOptions struct {
	Rate draw.RateLimit
	// CommitWithin bounds how long after its admission an order may still be committed.
	// The ledger waits longer than this before rebuilding lost counters from SQL, so every
	// admission taken under the old counters is either in SQL by then or never will be.
	CommitWithin time.Duration
	// MaxAge bounds how long after its draw time (the order's created_at) an order may
	// still be committed, however long the draw waited before its admission (for lost
	// counters to be rebuilt): exports take the orders drawn before a point as final once
	// this has passed. 0: no bound.
	MaxAge time.Duration
	// Candidates is how many independent samples a renormalize draw sends along.
	Candidates int
}

// Relayer takes the grant event of a committed win to the message queue in the
// background; it never blocks. The outbox row committed with the order is the fallback.
type Relayer interface{ Relay(o draw.Order) }

// Lottery is the default Steps: sample candidates, admit them in the ledger in one atomic
// call, commit through the shared order writer.
type Lottery struct {
	ledger  draw.Ledger
	writer  draw.OrderWriter
	settler *Settler
	relay   Relayer
	ids     func() (int64, error)
	opts    LotteryOptions
	rands   sync.Pool
	empties emptyPrizes
}

// NewLottery builds the default steps.
func NewLottery(l draw.Ledger, w draw.OrderWriter, s *Settler, relay Relayer, ids func() (int64, error), o LotteryOptions) *Lottery {
	if o.CommitWithin <= 0 {
		o.CommitWithin = time.Second
	}
	if o.Candidates <= 0 {
		o.Candidates = 5
	}
	lt := &Lottery{ledger: l, writer: w, settler: s, relay: relay, ids: ids, opts: o}
	lt.rands.New = func() any { return strategy.NewRand() }
	return lt
}

// Pick samples the candidates: one in fixed mode; in renormalize mode several independent
// samples among the prizes not known to be empty, which the ledger walks in order
// (rejection sampling: exact as long as the known-empty set really is empty). The walk
// ends at the first "no prize" and passes over a prize it found empty wherever that prize
// comes again, so neither what follows a "no prize" nor a repeat is sent: the outcome is
// the same, the ledger call shorter.
func (l *Lottery) Pick(_ context.Context, d *Draw) error {
	st := d.View.Activity.Strategy()
	r := l.rands.Get().(*rand.Rand)
	defer l.rands.Put(r)
	n := 1
	var excluded uint64
	if st.Mode() == strategy.ModeRenormalize {
		n, excluded = l.opts.Candidates, l.empties.mask(d.View.Activity.ID(), d.Now)
	}
	cands := make([]draw.Candidate, 0, n)
	for range n {
		var c draw.Candidate // no prize
		if idx := st.PickExcluding(r, excluded); idx >= 0 {
			p := st.At(idx)
			c = draw.Candidate{PrizeID: p.ID, DailyQuota: p.DailyQuota}
		}
		if !slices.Contains(cands, c) {
			cands = append(cands, c)
		}
		if c.PrizeID == 0 {
			break
		}
	}
	d.Admission.Candidates = cands
	return nil
}

// Admit takes the chance, the stock and a candidate in one ledger call.
func (l *Lottery) Admit(ctx context.Context, d *Draw) error {
	a := d.View.Activity
	lim := a.Limits()
	id, err := l.ids()
	if err != nil {
		return fmt.Errorf("%w: order id: %v", draw.ErrUnavailable, err)
	}
	d.Admission = draw.Admission{
		OrderID: id, ActivityID: a.ID(), UserID: d.Req.UserID, Day: a.Day(d.Now),
		IdempotencyKey: d.Req.IdempotencyKey, PerUserTotal: lim.PerUserTotal, PerUserDaily: lim.PerUserDaily,
		Candidates: d.Admission.Candidates, ClientIP: d.Req.ClientIP, Rate: l.opts.Rate,
	}
	ad, err := l.ledger.Admit(ctx, d.Admission)
	if err != nil {
		return err
	}
	d.Admitted = ad
	l.noteEmpty(d)
	d.Order = l.order(d)
	return nil
}

func (l *Lottery) noteEmpty(d *Draw) {
	if len(d.Admitted.EmptyPrizes) == 0 {
		return
	}
	var mask uint64
	for _, id := range d.Admitted.EmptyPrizes {
		if pv, ok := d.View.Prizes[id]; ok {
			mask |= 1 << pv.Index
		}
	}
	l.empties.add(d.View.Activity.ID(), mask, d.Now)
}

func (l *Lottery) order(d *Draw) draw.Order {
	o := draw.Order{
		ID: d.Admission.OrderID, ActivityID: d.Admission.ActivityID, StrategyID: d.View.Activity.Strategy().ID(),
		UserID: d.Req.UserID, Day: d.Admission.Day, Outcome: draw.OutcomeLose,
		IdempotencyKey: d.Req.IdempotencyKey, GrantState: draw.GrantNone, MQState: draw.MQNone,
		// Microseconds, as SQL keeps them: a replay, read back from SQL, shows the time the
		// first answer showed.
		CreatedAt: d.Now.UTC().Truncate(time.Microsecond),
	}
	if pv, ok := d.View.Prizes[d.Admitted.PrizeID]; ok {
		o.Outcome, o.PrizeID, o.AwardID = draw.OutcomeWin, pv.Prize.ID, pv.Prize.AwardID
		o.AwardName, o.AwardKind = pv.AwardName, string(pv.AwardKind)
		o.GrantState, o.MQState = draw.GrantPending, draw.MQPending
	}
	return o
}

// Record commits the order; past CommitWithin since admission, or MaxAge since its draw
// time, it is refused unwritten.
func (l *Lottery) Record(ctx context.Context, d *Draw) error {
	by := d.Admitted.At.Add(l.opts.CommitWithin)
	if l.opts.MaxAge > 0 {
		by = minTime(by, d.Now.Add(l.opts.MaxAge))
	}
	if err := l.writer.Write(ctx, d.Order, by); err != nil {
		return fmt.Errorf("record order %d: %w", d.Order.ID, err)
	}
	l.settler.Add(draw.Settlement{ActivityID: d.Admission.ActivityID, JournalID: d.Admitted.JournalID})
	return nil
}

// Enqueue hands a win's grant event to the relay; the outbox row committed with the
// order covers it should the process die first.
func (l *Lottery) Enqueue(_ context.Context, d *Draw) {
	if d.Order.Won() && l.relay != nil {
		l.relay.Relay(d.Order)
	}
}

// Undo gives the admission back.
func (l *Lottery) Undo(ctx context.Context, d *Draw) error {
	return l.ledger.Undo(ctx, d.Admission, d.Admitted)
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
