package routing

import (
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/lottery-go/lottery/rules"
)

// conditionLogEvery is how often one failing condition is logged at most: it fails for
// every user with the same kind of profile, and a draw per millisecond must not write a
// line each.
const conditionLogEvery = time.Minute

// conditionLog reports conditions that failed at run time. Such a condition counts as not
// matched, so the tree still routes; without a log line the edge would be dead unseen.
type conditionLog struct {
	log *slog.Logger // nil: nothing is reported
	now func() time.Time

	mu     sync.Mutex
	logged map[string]time.Time // tree/node/edge → when last logged
}

// maxLoggedConditions bounds the memory of what was logged; past it the memory starts
// again, at worst logging a condition twice within a minute.
const maxLoggedConditions = 1000

func (c *conditionLog) report(tree string, path []rules.Step) {
	if c.log == nil {
		return
	}
	for _, s := range path {
		if s.Error != "" {
			c.reportStep(tree, s)
		}
	}
}

func (c *conditionLog) reportStep(tree string, s rules.Step) {
	key := tree + "/" + s.Node + "/" + strconv.Itoa(s.Edge)
	now := c.now()
	c.mu.Lock()
	last, seen := c.logged[key]
	due := !seen || now.Sub(last) >= conditionLogEvery
	if due {
		if c.logged == nil || len(c.logged) >= maxLoggedConditions {
			c.logged = map[string]time.Time{}
		}
		c.logged[key] = now
	}
	c.mu.Unlock()
	if due {
		c.log.Warn("rule condition failed at run time; it counts as not matched",
			"tree", tree, "node", s.Node, "edge", s.Edge, "condition", s.Condition, "err", s.Error)
	}
}
