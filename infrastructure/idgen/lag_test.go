package idgen

import (
	"testing"
	"time"
)

// FloorAt bounds the ids made from a time on: an id is at least FloorAt of its own time,
// and below FloorAt of the next millisecond; an id made after t is at least FloorAt(t).
func TestFloorAt(t *testing.T) {
	t.Parallel()
	g, err := New(3)
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	id, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	at := time.UnixMilli(msOf(id))
	if id < FloorAt(at) || id >= FloorAt(at.Add(time.Millisecond)) {
		t.Fatalf("id %d made at %v outside [%d, %d)", id, at, FloorAt(at), FloorAt(at.Add(time.Millisecond)))
	}
	if id < FloorAt(before) {
		t.Fatalf("id %d below the floor of %v, before it was made", id, before)
	}
	if FloorAt(time.UnixMilli(0)) != 0 {
		t.Fatal("a time before the epoch has the floor 0")
	}
	if far := FloorAt(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)); far != maxMs<<timeShift {
		t.Fatalf("a time past the ids' range has floor %d, not the last one", far)
	}
}

// A node's ids only grow and are never earlier than the wall clock they were made at: a
// clock stepped back leaves the node's time where it was; a used-up millisecond is waited
// out while the clock is there, and borrowed while the clock is behind.
func TestNodeTimeNeverGoesBack(t *testing.T) {
	t.Parallel()
	n, err := newNode(5, nil)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC).UnixMilli()
	last := int64(-1)
	mint := func(wall int64, clock func() int64) int64 {
		t.Helper()
		id := n.next(wall, clock)
		if id <= last {
			t.Fatalf("id %d (wall %d) not above the last, %d", id, wall, last)
		}
		if got := id >> stepBits & nodeMax; got != 5 {
			t.Fatalf("id %d carries node %d", id, got)
		}
		last = id
		return id
	}
	never := func() int64 { t.Fatal("the clock read again"); return 0 }
	for _, wall := range []int64{base, base, base - 1000, base + 1} { // a step back of a second
		if id := mint(wall, never); msOf(id) < wall {
			t.Fatalf("id %d made at %d reads %d: behind the wall clock", id, wall, msOf(id))
		}
	}
	// The clock at the node's millisecond: its 4,096 ids, then a wait for the next.
	reads := 0
	ticking := func() int64 { reads++; return base + 1 + int64(reads/3) }
	for range stepMax {
		mint(base+1, never)
	}
	if id := mint(base+1, ticking); msOf(id) != base+2 || reads != 3 {
		t.Fatalf("after a used-up millisecond: id at %d after %d reads, want %d after 3", msOf(id), reads, base+2)
	}
	// The clock behind the node: a used-up millisecond is borrowed, not waited for.
	for range stepMax + 1 {
		mint(base-500, never)
	}
	if got := msOf(last); got != base+3 {
		t.Fatalf("borrowing with the clock behind: the node's time is %d, want %d", got, base+3)
	}
	if id := n.next(0, never); id < 0 || id <= last {
		t.Fatalf("a clock before the epoch gave id %d", id)
	}
	if _, err := newNode(nodeMax+1, nil); err == nil {
		t.Fatal("a node number out of range was taken")
	}
}

// A process that moves to another node number, and back, goes on from its last id: with
// the clock stepped back meanwhile, it repeats none.
func TestNodeNumbersGoOnFromTheLastID(t *testing.T) {
	t.Parallel()
	never := func() int64 { t.Fatal("the clock read again"); return 0 }
	base := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC).UnixMilli()
	a, _ := newNode(1, nil)
	first := a.next(base, never)
	b, _ := newNode(2, a)
	a2, _ := newNode(1, b)
	if again := a2.next(base-5000, never); again <= first || msOf(again) < base {
		t.Fatalf("back on node 1 with the clock 5 s behind: id %d (at %d) after %d", again, msOf(again), first)
	}
}
