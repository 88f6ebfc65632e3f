package ruletree_test

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/ruletree"
)

var now = time.Date(2026, 11, 11, 9, 0, 0, 0, time.UTC)

func TestPublish(t *testing.T) {
	t.Parallel()
	yes, no := true, false
	tests := []struct {
		name string
		tree ruletree.Tree
		p    ruletree.Publication
		live int
		def  bool
		err  error
	}{
		{"version", ruletree.Tree{Latest: 3}, ruletree.Publication{Version: 2}, 2, false, nil},
		{"version and default", ruletree.Tree{Latest: 3}, ruletree.Publication{Version: 3, Default: &yes}, 3, true, nil},
		{"default of a published tree", ruletree.Tree{Latest: 3, Live: 1}, ruletree.Publication{Default: &yes}, 1, true, nil},
		{"stop being the default", ruletree.Tree{Latest: 3, Live: 1, Default: true}, ruletree.Publication{Default: &no}, 1, false, nil},
		{"default of an unpublished tree", ruletree.Tree{Latest: 3}, ruletree.Publication{Default: &yes}, 0, false, ruletree.ErrNotPublished},
		{"nothing asked", ruletree.Tree{Latest: 3}, ruletree.Publication{}, 0, false, check.ErrInvalid},
		{"unknown version", ruletree.Tree{Latest: 3}, ruletree.Publication{Version: 4}, 0, false, check.ErrInvalid},
		{"negative version", ruletree.Tree{Latest: 3}, ruletree.Publication{Version: -1}, 0, false, check.ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tree := tt.tree
			err := tree.Publish(tt.p, now)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.live, tree.Live)
			assert.Equal(t, tt.def, tree.Default)
			assert.Equal(t, now, tree.UpdatedAt)
		})
	}
}

func TestCheckName(t *testing.T) {
	t.Parallel()
	assert.NoError(t, ruletree.CheckName("spring-router"))
	assert.ErrorIs(t, ruletree.CheckName(" "), check.ErrInvalid)
	assert.ErrorIs(t, ruletree.CheckName(strings.Repeat("n", ruletree.MaxNameRunes+1)), check.ErrInvalid)
}
