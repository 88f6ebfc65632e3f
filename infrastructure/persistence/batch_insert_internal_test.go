package persistence

import (
	"slices"
	"testing"
)

// A batch is written with one statement per bit of its size, none over the largest.
func TestBatchInsertChunks(t *testing.T) {
	t.Parallel()
	b := newBatchInsert(nil, "INSERT INTO t (a, b) VALUES ", "(?,?)", 500)
	for rows, want := range map[int][]int{
		0:   nil,
		1:   {1},
		7:   {4, 2, 1},
		62:  {32, 16, 8, 4, 2},
		256: {256},
		500: {256, 128, 64, 32, 16, 4},
		700: {256, 256, 128, 32, 16, 8, 4},
	} {
		if got := b.chunks(rows); !slices.Equal(got, want) {
			t.Errorf("%d rows: %v, want %v", rows, got, want)
		}
	}
	if b.cols != 2 {
		t.Errorf("cols %d, want 2", b.cols)
	}
	if got, want := b.query(3), "INSERT INTO t (a, b) VALUES (?,?),(?,?),(?,?)"; got != want {
		t.Errorf("query(3) = %s, want %s", got, want)
	}
}
