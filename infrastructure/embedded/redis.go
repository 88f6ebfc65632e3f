// Package embedded runs the in-process servers of the default mode: a Redis-protocol server
// and a NATS server with JetStream. They listen on free loopback ports, so they never clash
// with real servers on the machine.
package embedded

import (
	"fmt"

	"github.com/alicebob/miniredis/v2"
)

// Redis is an in-process Redis-protocol server. It keeps its data in memory only: Redis
// holds nothing that cannot be rebuilt from SQL.
type Redis struct {
	srv *miniredis.Miniredis
}

// StartRedis listens on a free loopback port.
func StartRedis() (*Redis, error) {
	srv := miniredis.NewMiniRedis()
	if err := srv.StartAddr("127.0.0.1:0"); err != nil {
		return nil, fmt.Errorf("start embedded redis: %w", err)
	}
	return &Redis{srv: srv}, nil
}

// Addr is host:port of the server.
func (r *Redis) Addr() string { return r.srv.Addr() }

// FlushAll drops every key, as a restarted Redis without persistence would.
func (r *Redis) FlushAll() { r.srv.FlushAll() }

// Close stops the server.
func (r *Redis) Close() { r.srv.Close() }
