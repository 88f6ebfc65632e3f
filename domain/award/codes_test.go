package award_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/award"
	"github.com/lottery-go/lottery/domain/check"
)

func TestNormalizeCodes(t *testing.T) {
	t.Parallel()
	unique, dups, err := award.NormalizeCodes([]string{" A1 ", "B2\r", "A1", "a1", "B2", "A1", strings.Repeat("x", 64)})
	require.NoError(t, err)
	assert.Equal(t, []string{"A1", "B2", "a1", strings.Repeat("x", 64)}, unique)
	assert.Equal(t, 3, dups)

	unique, dups, err = award.NormalizeCodes([]string{"\ufeffCODE1", "CODE2", "CODE1"})
	require.NoError(t, err)
	assert.Equal(t, []string{"CODE1", "CODE2"}, unique, "a spreadsheet's byte-order mark is not part of the first code")
	assert.Equal(t, 1, dups)
}

func TestNormalizeCodesRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		codes []string
		want  string
	}{
		{"no codes", nil, "codes required"},
		{"too many", make([]string, award.MaxCodesPerUpload+1), "codes too_many"},
		{"empty", []string{"ok", "  "}, "codes[1] required"},
		{"too long", []string{strings.Repeat("x", 65)}, "codes[0] too_long"},
		{"control", []string{"ok", "ok", "A\x00B"}, "codes[2] invalid_character"},
		{"bad utf8", []string{"\xff"}, "codes[0] invalid_character"},
		{"zero-width space", []string{"ok", "AB\u200bCD"}, "codes[1] invalid_character"},
		{"byte-order mark past the first line", []string{"ok", "\ufeffAB"}, "codes[1] invalid_character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			unique, dups, err := award.NormalizeCodes(tt.codes)
			require.ErrorIs(t, err, check.ErrInvalid)
			assert.Nil(t, unique)
			assert.Zero(t, dups)
			assert.Contains(t, fieldCodes(err), tt.want)
		})
	}
}
