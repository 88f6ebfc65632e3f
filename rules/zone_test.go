package rules

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeZones counts look-ups and knows one zone.
type fakeZones struct{ loads map[string]int }

func (f *fakeZones) load(name string) (*time.Location, error) {
	f.loads[name]++
	if name == "Asia/Shanghai" {
		return time.FixedZone(name, 8*3600), nil
	}
	return nil, errors.New("unknown time zone " + name)
}

func TestZoneCache(t *testing.T) {
	t.Parallel()
	t.Run("spellings of one zone share its entry", func(t *testing.T) {
		t.Parallel()
		f := &fakeZones{loads: map[string]int{}}
		z := newZoneCache(10, f.load)
		for _, name := range []string{"Asia/Shanghai", "Asia/./Shanghai", "Asia//Shanghai", "./Asia/Shanghai"} {
			loc, err := z.get(name)
			require.NoError(t, err)
			assert.Equal(t, "Asia/Shanghai", loc.String())
		}
		assert.Equal(t, map[string]int{"Asia/Shanghai": 1}, f.loads)
	})
	t.Run("failures are kept", func(t *testing.T) {
		t.Parallel()
		f := &fakeZones{loads: map[string]int{}}
		z := newZoneCache(10, f.load)
		for range 3 {
			_, err := z.get("Mars/Base")
			assert.EqualError(t, err, "unknown time zone Mars/Base")
		}
		assert.Equal(t, map[string]int{"Mars/Base": 1}, f.loads)
	})
	t.Run("names LoadLocation refuses are not cleaned into valid ones", func(t *testing.T) {
		t.Parallel()
		f := &fakeZones{loads: map[string]int{}}
		z := newZoneCache(10, f.load)
		for _, name := range []string{"Asia/../Asia/Shanghai", "/Asia/Shanghai"} {
			_, err := z.get(name)
			assert.Error(t, err)
		}
		assert.Equal(t, map[string]int{"Asia/../Asia/Shanghai": 1, "/Asia/Shanghai": 1}, f.loads)
	})
	t.Run("bounded for each kind", func(t *testing.T) {
		t.Parallel()
		f := &fakeZones{loads: map[string]int{}}
		z := newZoneCache(2, f.load)
		for i := range 5 {
			for range 2 {
				_, err := z.get(fmt.Sprintf("Made/Up%d", i))
				assert.Error(t, err)
			}
		}
		assert.Equal(t, int64(2), z.failed.Load())
		assert.Equal(t, map[string]int{"Made/Up0": 1, "Made/Up1": 1, "Made/Up2": 2, "Made/Up3": 2, "Made/Up4": 2}, f.loads,
			"names past the limit are looked up every time")
		for range 2 {
			_, err := z.get("Asia/Shanghai")
			require.NoError(t, err)
		}
		assert.Equal(t, 1, f.loads["Asia/Shanghai"], "failures do not crowd out zones")
	})
}

// A document naming zones by the thousand costs a bounded number of look-ups to refuse.
func TestCompileBoundsZoneNames(t *testing.T) {
	t.Parallel()
	var edges []Edge
	for i := range maxZoneNames + 1 {
		edges = append(edges, when(fmt.Sprintf(`now.In(timezone("Made/Up%d")).Hour() > 3`, i), "x"))
	}
	_, err := Compile(Document{Root: "r", Nodes: []Node{{ID: "r", Edges: append(edges, to("x"))}, leaf("x")}},
		WithLimits(Limits{MaxEdgesPerNode: maxZoneNames + 2}))
	problems := requireProblems(t, err)
	require.Len(t, problems, maxZoneNames+1)
	for _, p := range problems[:maxZoneNames] {
		assert.Equal(t, CodeExpressionType, p.Code)
	}
	last := problems[maxZoneNames]
	assert.Equal(t, CodeTooCostly, last.Code)
	assert.Contains(t, last.Message, "more than 100 time zones")
}
