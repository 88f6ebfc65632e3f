package granting

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/draw"
)

// GrantAll delivers many grant events at once, each with the outcome Grant would give it
// (errs[i] for rs[i]). Awards whose whole delivery is what gets recorded (text, points,
// physical) are recorded in one transaction for the lot: a win costs a share of one
// order read and one commit instead of two or three of its own. The other kinds, and
// the lot again one by one when its transaction cannot be written as a whole, go
// through Grant, at most oneByOneAtOnce at a time, so a slow webhook holds up few others
// and a large lot does not take every SQL connection. An order that comes more than once
// (copies of its event) is granted once, as its most advanced delivery, and every copy
// gets that outcome.
func (s *Service) GrantAll(ctx context.Context, rs []Request) []error {
	uniq, of := distinctOrders(rs)
	done := make([]error, len(uniq))
	var oneByOne []int
	for start := 0; start < len(uniq); start += togetherAtMost {
		for _, i := range s.recordTogether(ctx, uniq[start:min(start+togetherAtMost, len(uniq))]) {
			oneByOne = append(oneByOne, start+i)
		}
	}
	var wg sync.WaitGroup
	slots := make(chan struct{}, oneByOneAtOnce)
	for _, i := range oneByOne {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			done[i] = s.grantSafely(ctx, uniq[i])
		}()
	}
	wg.Wait()
	s.logRetries(ctx, uniq, done)
	errs := make([]error, len(rs))
	for i, u := range of {
		errs[i] = done[u]
	}
	return errs
}

// logRetries writes one line for the grants of a lot that are tried again, with how many
// failed for each reason (the first few reasons): a merchant that fails thousands of
// grants must not write thousands of lines.
func (s *Service) logRetries(ctx context.Context, rs []Request, errs []error) {
	var failed []error
	first := int64(0)
	for i, err := range errs {
		if err != nil {
			if len(failed) == 0 {
				first = rs[i].OrderID
			}
			failed = append(failed, err)
		}
	}
	if len(failed) == 0 {
		return
	}
	s.d.Log.WarnContext(ctx, "grants failed; they are tried again later", "failed", len(failed), "of", len(rs),
		"first_order_id", first, "reasons", countReasons(failed, shownReasons))
}

// shownReasons bounds the distinct reasons a line of logRetries names.
const shownReasons = 3

// countReasons is "n × reason" for the first n distinct messages of errs, most frequent
// first, and how many others there were.
func countReasons(errs []error, n int) string {
	count := map[string]int{}
	var order []string
	for _, err := range errs {
		m := err.Error()
		if count[m] == 0 {
			order = append(order, m)
		}
		count[m]++
	}
	slices.SortStableFunc(order, func(a, b string) int { return count[b] - count[a] })
	var b strings.Builder
	for i, m := range order[:min(n, len(order))] {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "%d × %s", count[m], m)
	}
	if len(order) > n {
		fmt.Fprintf(&b, "; and %d other reasons", len(order)-n)
	}
	return b.String()
}

// oneByOneAtOnce bounds the grants of one lot that run one by one concurrently.
const oneByOneAtOnce = 32

// togetherAtMost bounds the orders recorded in one transaction. A lot can hold tens of
// thousands (a backlog of relay batches); one statement with a few placeholders for each
// must stay below SQLite's 32,766 and a sensible size for MySQL.
const togetherAtMost = 1000

// distinctOrders returns one request per order, the one with the most attempts, and for
// each of rs the index of its order's request.
func distinctOrders(rs []Request) (uniq []Request, of []int) {
	at := make(map[int64]int, len(rs))
	uniq, of = make([]Request, 0, len(rs)), make([]int, len(rs))
	for i, r := range rs {
		u, seen := at[r.OrderID]
		if !seen {
			u = len(uniq)
			at[r.OrderID] = u
			uniq = append(uniq, r)
		} else if r.Attempt > uniq[u].Attempt {
			uniq[u] = r
		}
		of[i] = u
	}
	return uniq, of
}

// grantSafely is Grant with a panic turned into an error, which has the event come
// back: a granter's bug must not take the process, and the other grants, down. On the
// last delivery the grant is failed for good instead, as any other failure would be:
// otherwise it stayed pending, and its event came back with the outbox job forever.
func (s *Service) grantSafely(ctx context.Context, r Request) (err error) {
	defer func() {
		if p := recover(); p != nil {
			s.d.Log.ErrorContext(ctx, "granter panicked", "order_id", r.OrderID, "attempt", r.Attempt,
				"panic", p, "stack", string(debug.Stack()))
			err = fmt.Errorf("grant order %d: granter panicked: %v", r.OrderID, p)
			if r.Last {
				err = s.failPanicked(ctx, r.OrderID, p, err)
			}
		}
	}()
	return s.Grant(ctx, r)
}

// failPanicked records the grant of a pending won order as failed after a panic on its
// last delivery; panicked is returned when that cannot be written.
func (s *Service) failPanicked(ctx context.Context, orderID int64, p any, panicked error) error {
	o, err := s.d.Orders.Get(ctx, orderID)
	if err != nil {
		return errors.Join(panicked, err)
	}
	if !o.Won() || o.GrantState != draw.GrantPending {
		return nil
	}
	if err := s.fail(ctx, o, award.Kind(o.AwardKind), ReasonPanicked, fmt.Sprintf("the granter failed: %v", p)); err != nil {
		return errors.Join(panicked, err)
	}
	return nil
}

// recordTogether records what it can of rs in one transaction and returns the indexes
// left to Grant one by one; the rest are done with (errs nil).
func (s *Service) recordTogether(ctx context.Context, rs []Request) (oneByOne []int) {
	all := make([]int, len(rs))
	for i := range all {
		all[i] = i
	}
	if len(rs) < 2 {
		return all
	}
	ids := make([]int64, len(rs))
	for i, r := range rs {
		ids[i] = r.OrderID
	}
	found, err := s.d.Orders.GetMany(ctx, ids)
	if err != nil {
		s.d.Log.WarnContext(ctx, "read orders to grant; granting one by one", "orders", len(rs), "err", err)
		return all
	}
	orders := make(map[int64]draw.Order, len(found))
	for _, o := range found {
		orders[o.ID] = o
	}
	var recs []draw.GrantRecord
	var kinds []award.Kind
	var together []int
	for i, r := range rs {
		o, found := orders[r.OrderID]
		if !found {
			oneByOne = append(oneByOne, i) // Grant logs and drops it
			continue
		}
		if !o.Won() || o.GrantState != draw.GrantPending {
			continue // a redelivery of an event already decided
		}
		rec, kind, ok := s.describe(ctx, o)
		if !ok {
			oneByOne = append(oneByOne, i)
			continue
		}
		recs, kinds, together = append(recs, rec), append(kinds, kind), append(together, i)
	}
	if len(recs) == 0 {
		return oneByOne
	}
	if err := s.d.Grants.RecordAll(ctx, recs); err != nil {
		if !errors.Is(err, draw.ErrAlreadyGranted) {
			s.d.Log.WarnContext(ctx, "record grants together; granting one by one", "orders", len(recs), "err", err)
		}
		return append(oneByOne, together...)
	}
	if s.d.Observer != nil {
		for i, rec := range recs {
			s.d.Observer.Granted(kinds[i], rec.State)
			s.d.Observer.Took(kinds[i], rec.At.Sub(orders[rec.OrderID].CreatedAt))
		}
	}
	return oneByOne
}

// describe makes the grant record of a pending won order whose granter only describes
// its delivery; ok is false for anything Grant must handle (a missing award, a granter
// that does work of its own).
func (s *Service) describe(ctx context.Context, o draw.Order) (draw.GrantRecord, award.Kind, bool) {
	a, err := s.d.Awards.Get(ctx, o.AwardID)
	if err != nil {
		return draw.GrantRecord{}, "", false
	}
	d, ok := s.granters[a.Kind()].(describer)
	if !ok {
		return draw.GrantRecord{}, "", false
	}
	return s.recordOf(o, a, d), a.Kind(), true
}

// recordOf is the grant record of o, delivered by d: the points it credits ride in the
// record, so they are written in the transaction that settles the order, or not at all.
func (s *Service) recordOf(o draw.Order, a *award.Award, d describer) draw.GrantRecord {
	delivered, credit := d.describe(award.Grant{OrderID: o.ID, UserID: o.UserID, AwardID: a.ID(), Kind: a.Kind(), Content: a.Content()})
	rec := draw.GrantRecord{OrderID: o.ID, AwardID: a.ID(), UserID: o.UserID, Kind: string(a.Kind()),
		State: draw.GrantState(delivered.State), Payload: delivered.Payload, At: s.d.Now()}
	if credit != 0 {
		rec.Credit, rec.CreditReason = credit, pointsReason
	}
	return rec
}
