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
	if far := FloorAt(time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)); far < FloorAt(at) {
		t.Fatalf("a time past the ids' range has floor %d, below today's", far)
	}
}

// A node's ids only grow and are never earlier than the wall clock they were made at:
// a clock stepped back leaves the node's time where it was, and a millisecond whose
// 4,096 ids are used up borrows the next.
func TestNodeTimeNeverGoesBack(t *testing.T) {
	t.Parallel()
	n, err := newNode(5)
	if err != nil {
		t.Fatal(err)
	}
	base := time.Date(2026, 11, 24, 20, 0, 0, 0, time.UTC).UnixMilli()
	walls := []int64{base, base, base - 1000, base + 1} // a step back of a second
	for range stepMax + 2 {
		walls = append(walls, base+2) // more ids than a millisecond holds
	}
	walls = append(walls, base+50)
	last := int64(-1)
	for i, wall := range walls {
		id := n.next(wall)
		if id <= last {
			t.Fatalf("id %d (wall %d, #%d) not above the last, %d", id, wall, i, last)
		}
		if msOf(id) < wall {
			t.Fatalf("id %d made at %d reads %d: behind the wall clock", id, wall, msOf(id))
		}
		if got := id >> stepBits & nodeMax; got != 5 {
			t.Fatalf("id %d carries node %d", id, got)
		}
		last = id
	}
	if got := msOf(n.next(base + 2)); got != base+50 {
		t.Fatalf("after the clock went back to %d the node's time is %d, want it kept at %d", base+2, got, base+50)
	}
	if _, err := newNode(nodeMax + 1); err == nil {
		t.Fatal("a node number out of range was taken")
	}
}
