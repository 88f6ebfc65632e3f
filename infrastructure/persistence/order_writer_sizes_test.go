package persistence_test

import (
	"context"
	"fmt"
	"math/bits"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/infrastructure/persistence"
	"github.com/lottery-go/lottery/internal/testkit"
)

// variedBatch is n orders whose values test the statements' binding: NULLs, keys, quotes,
// backslashes and non-ASCII text, and times to the microsecond.
func variedBatch(n int, prefix string) []draw.Order {
	batch := batchOf(n)
	for i := range batch {
		batch[i].UserID = fmt.Sprintf("%s-%d", prefix, i)
		batch[i].CreatedAt = time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC).Add(time.Duration(i) * 1001 * time.Microsecond)
		if i%3 == 0 {
			batch[i].IdempotencyKey = fmt.Sprintf(`k'%d"\`, i)
		}
		if batch[i].Won() {
			batch[i].AwardName = `Tom's "big" \ prize ✓`
		}
	}
	return batch
}

// assertStored checks that every order, and every win's outbox entry, reads back as
// written.
func assertStored(t *testing.T, env testkit.SQLEnv, batch []draw.Order) {
	t.Helper()
	repo := persistence.NewOrderRepo(env.DB)
	for _, o := range batch {
		got, err := repo.Get(context.Background(), o.ID)
		require.NoError(t, err, "order %d", o.ID)
		assert.True(t, o.CreatedAt.Equal(got.CreatedAt), "created %v, read %v", o.CreatedAt, got.CreatedAt)
		got.CreatedAt = o.CreatedAt
		assert.Equal(t, o, got)
		if !o.Won() {
			continue
		}
		var entry struct{ Subject, Payload string }
		require.NoError(t, env.DB.Gorm.Raw("SELECT subject, payload FROM outbox WHERE order_id = ?", o.ID).Scan(&entry).Error)
		subject, payload := encoder(o)
		assert.Equal(t, subject, entry.Subject)
		assert.Equal(t, string(payload), entry.Payload)
	}
}

// statementsFor is how many prepared statements write batches of these sizes, a quarter of
// each (rounded up) won: one per bit of each table's rows, at most 256 rows a statement.
func statementsFor(sizes ...int) int64 {
	var n int64
	for _, size := range sizes {
		for _, rows := range []int{size, (size + 3) / 4} {
			n += int64(rows/256 + bits.OnesCount(uint(rows%256)))
		}
	}
	return n
}

// Batches of every shape (one statement, several, more rows than the largest statement)
// are written whole, values intact, with one transaction each; so is a batch the server
// was not asked to prepare for (the text fallback).
func TestOrderWriterWritesBatchesOfAnySize(t *testing.T) {
	t.Parallel()
	testkit.EachSQL(t, func(t *testing.T, env testkit.SQLEnv) {
		t.Parallel()
		w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
		require.NoError(t, err)
		t.Cleanup(w.Close)
		var written, wins int64
		for _, n := range []int{1, 7, 256, 300, 500} {
			batch := variedBatch(n, fmt.Sprintf("size%d", n))
			errs, commits := w.FlushTogether(batch, time.Now().Add(time.Minute))
			assertOnlyFailed(t, errs, nil)
			assert.Equal(t, int64(1), commits, "%d orders", n)
			assertStored(t, env, batch)
			written += int64(n)
			wins += int64((n + 3) / 4)
		}
		prepared, text := w.Statements()
		assert.Equal(t, statementsFor(1, 7, 256, 300, 500), prepared, "every statement prepared")
		assert.Zero(t, text)
		asText := variedBatch(77, "text")
		require.NoError(t, persistence.InsertOrdersAsText(context.Background(), env.DB, asText))
		for _, o := range asText {
			got, err := persistence.NewOrderRepo(env.DB).Get(context.Background(), o.ID)
			require.NoError(t, err)
			got.CreatedAt = o.CreatedAt
			assert.Equal(t, o, got)
		}
		assert.Equal(t, written+77, count(t, env, "orders"))
		assert.Equal(t, wins, count(t, env, "outbox"), "an outbox entry for every win the writer wrote")
	})
}

// The server forgets a connection's prepared statements with the connection: after every
// connection of the writer's pool is killed, the next batch is written on new ones, its
// statements prepared there.
func TestOrderWriterPreparesAgainOnNewConnections(t *testing.T) {
	t.Parallel()
	serverDSN := os.Getenv("LOTTERY_TEST_MYSQL_DSN")
	if serverDSN == "" {
		t.Skip("LOTTERY_TEST_MYSQL_DSN not set")
	}
	env := testkit.MySQL(t, serverDSN)
	w, err := persistence.NewOrderWriter(env.DB, persistence.WriterOptions{Outbox: encoder})
	require.NoError(t, err)
	t.Cleanup(w.Close)
	first := variedBatch(7, "before")
	errs, _ := w.FlushTogether(first, time.Now().Add(time.Minute))
	assertOnlyFailed(t, errs, nil)

	other, err := persistence.OpenMySQL(context.Background(), env.DSN)
	require.NoError(t, err)
	t.Cleanup(func() { _ = other.Close() })
	var ids []int64
	require.NoError(t, other.Gorm.Raw(`SELECT ID FROM information_schema.PROCESSLIST
		WHERE DB = DATABASE() AND ID <> CONNECTION_ID()`).Scan(&ids).Error)
	require.NotEmpty(t, ids)
	for _, id := range ids {
		require.NoError(t, other.Gorm.Exec("KILL CONNECTION ?", id).Error)
	}
	require.Eventually(t, func() bool {
		var n int64
		return other.Gorm.Raw("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID IN ?", ids).Scan(&n).Error == nil && n == 0
	}, 10*time.Second, 5*time.Millisecond, "connections %v gone", ids)

	before, _ := w.Statements()
	second := variedBatch(7, "after")
	errs, _ = w.FlushTogether(second, time.Now().Add(time.Minute))
	assertOnlyFailed(t, errs, nil)
	assertStored(t, env, second)
	after, text := w.Statements()
	assert.Equal(t, statementsFor(7), after-before, "prepared on the new connection")
	assert.Zero(t, text)
	assert.Equal(t, int64(14), count(t, env, "orders"))
}
