package redisstore

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/lottery-go/lottery/domain/draw"
	"github.com/lottery-go/lottery/internal/testkit"
)

// breakingProxy forwards to target and, once armed, lets the next EVALSHA through and
// then breaks the connection before its reply can come back, once the script has run
// (ran reports that).
type breakingProxy struct {
	ln    net.Listener
	armed atomic.Bool
	ran   func() bool
	wg    sync.WaitGroup
}

func newBreakingProxy(t *testing.T, target string, ran func() bool) *breakingProxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &breakingProxy{ln: ln, ran: ran}
	p.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Go(func() { p.serve(c, target) })
		}
	})
	t.Cleanup(func() { _ = ln.Close(); p.wg.Wait() })
	return p
}

func (p *breakingProxy) serve(c net.Conn, target string) {
	defer c.Close()
	s, err := net.Dial("tcp", target)
	if err != nil {
		return
	}
	defer s.Close()
	var mute atomic.Bool // replies are dropped once the connection is to break
	p.wg.Go(func() {
		buf := make([]byte, 64<<10)
		for {
			n, err := s.Read(buf)
			if n > 0 && !mute.Load() {
				_, _ = c.Write(buf[:n])
			}
			if err != nil {
				_ = c.Close()
				return
			}
		}
	})
	buf := make([]byte, 64<<10)
	for {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		if bytes.Contains(bytes.ToLower(buf[:n]), []byte("evalsha")) && p.armed.CompareAndSwap(true, false) {
			mute.Store(true)
			_, _ = s.Write(buf[:n])
			deadline := time.Now().Add(5 * time.Second)
			for !p.ran() && time.Now().Before(deadline) {
				time.Sleep(time.Millisecond)
			}
			return // both connections close: the reply is lost
		}
		_, _ = s.Write(buf[:n])
	}
}

// An admission batch whose reply was lost with its connection is not sent again: the
// script ran once, so it took one chance and one unit of stock, and the caller is told
// the outcome is unknown (admission recovery settles it), not admitted twice under one
// order id.
func TestAdmissionBatchIsSentOnce(t *testing.T) {
	const act = 41
	testkit.EachRedis(t, func(t *testing.T, env testkit.RedisEnv) {
		ctx := context.Background()
		k := activityKeys(env.Prefix, act)
		journal := func() int64 { return env.Client.XLen(ctx, k.journal()).Val() }
		var before atomic.Int64
		p := newBreakingProxy(t, env.Client.Options().Addr, func() bool { return journal() > before.Load() })
		o := env.Client.Options()
		client := redis.NewClient(&redis.Options{Addr: p.ln.Addr().String(), Password: o.Password, DB: o.DB})
		t.Cleanup(func() { _ = client.Close() })
		truth := newFakeTruth(draw.Snapshot{ActivityID: act, StockLeft: 100})
		l := NewLedger(client, truth, Options{Prefix: env.Prefix, ReloadGrace: 20 * time.Millisecond, RestartCheck: -1})
		t.Cleanup(func() { _ = l.Close() })

		ad, err := l.Admit(ctx, admission(act, "u0")) // loads the activity
		require.NoError(t, err)
		stock0, err := env.Client.Get(ctx, k.stock()).Int64()
		require.NoError(t, err)
		before.Store(journal())
		require.Equal(t, int64(1), before.Load(), ad.JournalID)

		p.armed.Store(true)
		_, err = l.Admit(ctx, admission(act, "u1"))
		require.Error(t, err, "the reply was lost: the outcome is unknown")
		assert.Equal(t, before.Load()+1, journal(), "one journal entry: the script ran once")
		stock1, err := env.Client.Get(ctx, k.stock()).Int64()
		require.NoError(t, err)
		assert.Equal(t, stock0-1, stock1, "one unit of stock taken")
		used, err := env.Client.HGet(ctx, k.userTotal(), "u1").Int64()
		require.NoError(t, err)
		assert.Equal(t, int64(1), used, "one chance taken")
	})
}

// Two users' keys never share a marker, however their ids and keys are spelt; ordinary
// ids keep the form markers always had.
func TestIdempotencyMarkersOfUsersNeverMeet(t *testing.T) {
	t.Parallel()
	k := activityKeys("p:", 7)
	pairs := [][2]string{{"a:b", "c"}, {"a", "b:c"}, {"#3", "a:b:c"}, {"a:b:c", ""}, {"#3:a", "b:c"}, {"u1", "k"}}
	seen := map[string][2]string{}
	for _, p := range pairs {
		name := k.idem(p[0], p[1])
		if other, dup := seen[name]; dup {
			t.Fatalf("%v and %v share the marker %s", p, other, name)
		}
		seen[name] = p
	}
	assert.Equal(t, "p:{a:7}:idem:u1:k", k.idem("u1", "k"))
}
