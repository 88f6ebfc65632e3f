// Package idgen hands out 64-bit snowflake ids: time-ordered, unique across processes as
// long as every process has its own node number.
package idgen

import (
	"context"
	"fmt"

	"github.com/bwmarrin/snowflake"
	"github.com/redis/go-redis/v9"
)

// Generator makes ids.
type Generator struct {
	node *snowflake.Node
	id   int64
}

// New uses the given node number (0..1023).
func New(node int64) (*Generator, error) {
	n, err := snowflake.NewNode(node)
	if err != nil {
		return nil, fmt.Errorf("snowflake node %d: %w", node, err)
	}
	return &Generator{node: n, id: node}, nil
}

// Allocate takes the next node number from a shared Redis counter, so processes started
// against the same Redis do not collide (1024 starts before a number is reused).
func Allocate(ctx context.Context, rdb redis.UniversalClient, prefix string) (*Generator, error) {
	n, err := rdb.Incr(ctx, prefix+"idgen:node").Result()
	if err != nil {
		return nil, fmt.Errorf("allocate snowflake node: %w", err)
	}
	return New(n % 1024)
}

// Next returns a new id.
func (g *Generator) Next() int64 { return g.node.Generate().Int64() }

// Node is this generator's node number.
func (g *Generator) Node() int64 { return g.id }
