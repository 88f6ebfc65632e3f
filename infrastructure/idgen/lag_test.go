package idgen

import (
	"testing"
	"time"

	"github.com/bwmarrin/snowflake"
)

// FloorAt bounds the ids made from a time on: an id is at least FloorAt of its own time,
// and below FloorAt of the next millisecond.
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
	if id < FloorAt(before.Add(-MaxLag)) {
		t.Fatalf("id %d below the floor of its draw time %v", id, before)
	}
	if FloorAt(time.UnixMilli(0)) != 0 {
		t.Fatal("a time before the epoch has the floor 0")
	}
}

// A node whose time fell behind the wall clock (as after a forward step or a suspended
// machine) is started again at the wall clock's time: the next id is no more than MaxLag
// behind, and above every id the lagging node made. (Not parallel: it shifts the
// library's epoch for a moment to make such a node.)
func TestNextCatchesUpWithTheWallClock(t *testing.T) {
	g, err := New(4)
	if err != nil {
		t.Fatal(err)
	}
	saved := snowflake.Epoch
	snowflake.Epoch += (10 * time.Second).Milliseconds() // its ids read 10 s behind
	lagging, err := snowflake.NewNode(4)
	snowflake.Epoch = saved
	if err != nil {
		t.Fatal(err)
	}
	cur := &nodeAt{lagging, 4}
	g.node.Store(cur)
	old := lagging.Generate().Int64()
	if lag := time.Now().UnixMilli() - msOf(old); lag < 9000 {
		t.Fatalf("the lagging node's id is only %d ms behind", lag)
	}
	id, err := g.Next()
	if err != nil {
		t.Fatal(err)
	}
	if lag := time.Now().UnixMilli() - msOf(id); lag > MaxLag.Milliseconds() {
		t.Fatalf("id %d is %d ms behind the wall clock", id, lag)
	}
	if id <= old {
		t.Fatalf("id %d not above the lagging node's %d", id, old)
	}
	if g.node.Load() == cur {
		t.Fatal("the lagging node is still in use")
	}
	if g.Node() != 4 {
		t.Fatalf("node number %d, want 4", g.Node())
	}
}
