package check_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
)

func TestEmptyListHasNoError(t *testing.T) {
	t.Parallel()
	var l check.List
	assert.NoError(t, l.Err())
	assert.Zero(t, l.Len())
}

func TestErrorMatchesErrInvalid(t *testing.T) {
	t.Parallel()
	var l check.List
	l.Add("name", check.CodeRequired, "name is required")
	err := fmt.Errorf("create award: %w", l.Err())
	require.ErrorIs(t, err, check.ErrInvalid)
	assert.Equal(t, []check.Problem{{Field: "name", Code: "required", Message: "name is required"}}, check.Problems(err))
	assert.Equal(t, "create award: invalid: name: name is required", err.Error())
}

func TestMerge(t *testing.T) {
	t.Parallel()
	var inner check.List
	inner.Add("prizes[0].stock", check.CodeOutOfRange, "negative")
	inner.Add("", check.CodeRequired, "whole")

	tests := []struct {
		name   string
		prefix string
		err    error
		want   []check.Problem
	}{
		{"nil adds nothing", "strategy", nil, nil},
		{"nested paths get the prefix", "strategy", inner.Err(), []check.Problem{
			{Field: "strategy.prizes[0].stock", Code: "out_of_range", Message: "negative"},
			{Field: "strategy", Code: "required", Message: "whole"},
		}},
		{"plain error becomes one problem", "time_zone", errors.New("boom"), []check.Problem{
			{Field: "time_zone", Code: "invalid", Message: "boom"},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var l check.List
			l.Merge(tt.prefix, tt.err)
			assert.Equal(t, tt.want, check.Problems(l.Err()))
		})
	}
}

func TestJoinAndIndex(t *testing.T) {
	t.Parallel()
	tests := []struct{ prefix, field, want string }{
		{"", "name", "name"},
		{"strategy", "", "strategy"},
		{"strategy", "mode", "strategy.mode"},
		{"prizes", "[2].stock", "prizes[2].stock"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, check.Join(tt.prefix, tt.field))
	}
	assert.Equal(t, "prizes[3]", check.Index("prizes", 3))
}

func TestListCapsProblems(t *testing.T) {
	t.Parallel()
	var l check.List
	for i := range check.MaxProblems + 5 {
		l.Add(check.Index("codes", i), check.CodeRequired, "empty")
	}
	var ce *check.Error
	require.ErrorAs(t, l.Err(), &ce)
	assert.Len(t, ce.Problems, check.MaxProblems)
	assert.Equal(t, 5, ce.Omitted)
	assert.Equal(t, check.MaxProblems+5, l.Len())
	assert.Contains(t, ce.Error(), "and 5 more problems")
}

func TestText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		s         string
		required  bool
		multiline bool
		code      string // "" = no problem
	}{
		{"ok", "Wheel 11", true, false, ""},
		{"runes not bytes", "双十一大转盘抽奖活动", true, false, ""},
		{"blank", "  \t", true, false, check.CodeRequired},
		{"empty optional", "", false, false, ""},
		{"too long", "abcdefghijk", true, false, check.CodeTooLong},
		{"control", "a\x00b", true, false, check.CodeInvalidChar},
		{"newline single line", "a\nb", true, false, check.CodeInvalidChar},
		{"newline multiline", "a\nb", true, true, ""},
		{"bad utf8", "a\xffb", true, false, check.CodeInvalidChar},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var l check.List
			l.Text("name", tt.s, tt.required, 10, tt.multiline)
			ps := check.Problems(l.Err())
			if tt.code == "" {
				assert.Empty(t, ps)
				return
			}
			require.Len(t, ps, 1)
			assert.Equal(t, "name", ps[0].Field)
			assert.Equal(t, tt.code, ps[0].Code)
		})
	}
}

func TestEmpty(t *testing.T) {
	t.Parallel()
	var l check.List
	l.Empty("content.sku", "", "no")
	assert.NoError(t, l.Err())
	l.Empty("content.sku", "X", "no")
	assert.Equal(t, "not_allowed", check.Problems(l.Err())[0].Code)
}
