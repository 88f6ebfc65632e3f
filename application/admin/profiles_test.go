package admin_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/check"
	"github.com/lottery-go/lottery/domain/user"
)

func TestPutProfile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rc := newRulesService(t)
	_, err := s.Profile(ctx, "u1")
	assert.ErrorIs(t, err, user.ErrNotFound)
	_, err = s.PutProfile(ctx, "u1", map[string]any{"bad key": 1})
	assert.ErrorIs(t, err, check.ErrInvalid)
	p, err := s.PutProfile(ctx, "u1", map[string]any{"age": 30.0})
	require.NoError(t, err)
	assert.Equal(t, int64(1), rc.n.Load())
	assert.Equal(t, []string{"u1"}, rc.users, "that user's profile only")
	got, err := s.Profile(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, p.UpdatedAt, got.UpdatedAt)
	assert.Equal(t, map[string]any{"age": int64(30)}, got.Attributes)
}

func TestImportProfiles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, rc := newRulesService(t)
	file := "\ufeffuser_id,age:int,score:float,vip:bool,tags:[]string,registered_at:time,city\n" +
		"u1,30,4.5,true,vip | gold,2026-01-31T09:00:00+08:00,Shanghai\n" +
		"u2,,,,,,\n"
	n, err := s.ImportProfiles(ctx, strings.NewReader(file))
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, int64(1), rc.n.Load())
	assert.Empty(t, rc.users, "every profile, at once")
	u1, err := s.Profile(ctx, "u1")
	require.NoError(t, err)
	assert.Equal(t, map[string]any{
		"age": int64(30), "score": 4.5, "vip": true, "tags": []any{"vip", "gold"},
		"registered_at": time.Date(2026, 1, 31, 1, 0, 0, 0, time.UTC).Format(time.RFC3339), "city": "Shanghai",
	}, u1.Attributes)
	u2, err := s.Profile(ctx, "u2")
	require.NoError(t, err)
	assert.Empty(t, u2.Attributes, "empty cells leave attributes out")
}

func TestImportProfilesIsAllOrNothing(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		file string
		want map[string]string // field → code
	}{
		{"empty file", "", map[string]string{"rows[1]": check.CodeRequired}},
		{"first column", "id,age\n", map[string]string{"rows[1].columns[0]": check.CodeRequired}},
		{"bad header", "user_id,age:integer,age,first name\n", map[string]string{
			"rows[1].columns[1]": check.CodeUnknown, "rows[1].columns[2]": check.CodeDuplicate, "rows[1].first name": check.CodeInvalid}},
		{"bad rows", "user_id,age:int,vip:bool,at:time\nok,1,true,2026-01-01T00:00:00Z\nu1,x,maybe,yesterday\nu{2},1,true,\nok,2,false,\nshort,1\n",
			map[string]string{
				"rows[3].age": check.CodeInvalid, "rows[3].vip": check.CodeInvalid, "rows[3].at": check.CodeInvalid,
				"rows[4].user_id": check.CodeInvalid, "rows[5].user_id": check.CodeDuplicate, "rows[6]": check.CodeInvalid,
			}},
		{"broken quoting", "user_id,city\nu1,\"Shang\"hai\n", map[string]string{"rows[2]": check.CodeInvalid}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, rc := newRulesService(t)
			_, err := s.ImportProfiles(context.Background(), strings.NewReader(tt.file))
			require.ErrorIs(t, err, check.ErrInvalid)
			got := map[string]string{}
			for _, p := range check.Problems(err) {
				got[p.Field] = p.Code
			}
			assert.Equal(t, tt.want, got)
			_, err = s.Profile(context.Background(), "ok")
			assert.ErrorIs(t, err, user.ErrNotFound, "nothing was stored")
			assert.Zero(t, rc.n.Load())
		})
	}
}
