package persistence_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/user"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

func TestProfileRepo(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewProfileRepo(env.DB)
		_, err := repo.Get(ctx, "u1")
		assert.ErrorIs(t, err, user.ErrNotFound)

		at := time.Date(2026, 1, 31, 9, 0, 0, 0, time.UTC)
		p, err := user.NewProfile("u1", map[string]any{
			"age": 30, "big": int64(1) << 60, "score": 4.5, "vip": true, "tags": []string{"a", "b"}, "registered_at": at,
		}, testNow)
		require.NoError(t, err)
		require.NoError(t, repo.Put(ctx, p))
		got, err := repo.Get(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, map[string]any{
			"age": int64(30), "big": int64(1) << 60, "score": 4.5, "vip": true, "tags": []any{"a", "b"},
			"registered_at": "2026-01-31T09:00:00Z",
		}, got.Attributes, "whole numbers stay exact")
		assert.True(t, testNow.Equal(got.UpdatedAt))

		p, err = user.NewProfile("u1", map[string]any{"age": 31}, testNow.Add(time.Hour))
		require.NoError(t, err)
		require.NoError(t, repo.Put(ctx, p))
		got, err = repo.Get(ctx, "u1")
		require.NoError(t, err)
		assert.Equal(t, map[string]any{"age": int64(31)}, got.Attributes, "a put replaces the whole profile")
	})
}

func TestProfilePutMany(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		ctx := context.Background()
		repo := persistence.NewProfileRepo(env.DB)
		many := make([]user.Profile, 1200) // more than one INSERT batch
		for i := range many {
			many[i] = user.Profile{UserID: fmt.Sprintf("u%d", i), Attributes: map[string]any{"level": i}, UpdatedAt: testNow}
		}
		require.NoError(t, repo.PutMany(ctx, many))
		got, err := repo.Get(ctx, "u1199")
		require.NoError(t, err)
		assert.Equal(t, int64(1199), got.Attributes["level"])

		// The last batch fails — MySQL refuses an id longer than the column; SQLite does not
		// check lengths, so a trigger refuses it there — and nothing of the earlier batches
		// may stay.
		long := strings.Repeat("x", 300)
		if env.Name == "sqlite" {
			require.NoError(t, env.DB.Gorm.Exec(`CREATE TRIGGER refuse_long BEFORE INSERT ON user_profiles
				WHEN length(NEW.user_id) > 64 BEGIN SELECT RAISE(ABORT, 'user id too long'); END`).Error)
		}
		bad := make([]user.Profile, 0, 1001)
		for i := range 1000 {
			bad = append(bad, user.Profile{UserID: fmt.Sprintf("w%d", i), Attributes: map[string]any{}, UpdatedAt: testNow})
		}
		bad = append(bad, user.Profile{UserID: long, Attributes: map[string]any{}, UpdatedAt: testNow})
		require.Error(t, repo.PutMany(ctx, bad))
		_, err = repo.Get(ctx, "w0")
		assert.ErrorIs(t, err, user.ErrNotFound, "all or nothing")
	})
}
