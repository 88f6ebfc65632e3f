package redisstore

import (
	"strconv"
	"strings"
	"sync"
)

// keys names the Redis keys of one activity. Every name starts with the same
// "{a:<id>}" hash tag, so in Redis Cluster all of them live in one slot and a script may
// touch any of them; a prefix containing '{' would break that and is not allowed.
type keys struct {
	base string // Prefix + "{a:<id>}:"
}

func activityKeys(prefix string, activityID int64) keys {
	return keysOf(prefix, strconv.FormatInt(activityID, 10))
}

// keysOf takes the id as stored in the set of loaded activities.
func keysOf(prefix, activityID string) keys {
	return keys{base: prefix + "{a:" + activityID + "}:"}
}

func (k keys) epoch() string     { return k.base + "epoch" }
func (k keys) stock() string     { return k.base + "stock" }
func (k keys) blacklist() string { return k.base + "bl" }
func (k keys) prizes() string    { return k.base + "prizes" } // prize ids of the load
func (k keys) journal() string   { return k.base + "journal" }
func (k keys) loadLock() string  { return k.base + "load-lock" }

// rebuilt exists for the idempotency TTL after counters were rebuilt from SQL, with orders
// already taken, because Redis had lost them: keys used before then may have lost their
// markers. seen marks that the activity was loaded since Redis last lost its data; unlike
// the epoch, an invalidation (whose reload loses no marker) leaves it.
func (k keys) rebuilt() string { return k.base + "rebuilt" }
func (k keys) seen() string    { return k.base + "seen" }

// gen changes whenever the truth behind the counters changes; a load watches it.
func (k keys) gen() string { return k.base + "gen" }

// blgen changes with the blacklist, which changes too often to make loads start over
// (see publishLoad).
func (k keys) blgen() string { return k.base + "blgen" }

func (k keys) userTotal() string         { return k.base + "ut" }
func (k keys) userDay(day string) string { return k.base + "ud:" + day }

// idem is the marker of a user's Idempotency-Key. "user:key" alone would give user "a:b"
// with key "c" and user "a" with key "b:c" one marker, so a user id that holds a colon
// (or starts with '#') is written with its length first; other ids, nearly all, keep the
// form markers always had. (Such a user's marker written by an older version is not found:
// a key repeated across the upgrade is admitted again, and the orders table's unique key
// on (user, key) turns the second order away and answers with the first.)
func (k keys) idem(user, key string) string {
	if strings.ContainsRune(user, ':') || strings.HasPrefix(user, "#") {
		return k.base + "idem:#" + strconv.Itoa(len(user)) + ":" + user + ":" + key
	}
	return k.base + "idem:" + user + ":" + key
}

func (k keys) rateUser(user string) string { return k.base + "rl:u:" + user }
func (k keys) rateIP(ip string) string     { return k.base + "rl:ip:" + ip }

func (k keys) pool(prizeID int64) string {
	return k.base + "pool:" + strconv.FormatInt(prizeID, 10)
}

// released is how many units of the prize its release plan has put into the pool so far.
func (k keys) released(prizeID int64) string {
	return k.base + "rel:" + strconv.FormatInt(prizeID, 10)
}

func (k keys) prizeDay(prizeID int64, day string) string {
	return k.base + "pd:" + strconv.FormatInt(prizeID, 10) + ":" + day
}

// hotKeys are the names every admission of an activity uses, built once per activity
// (and per day and prize) instead of once per draw. They are kept boxed, as the values of
// a command's arguments (the day's and prizes' as keyRefs, as an admission's arguments
// name them), so putting them into a command allocates nothing.
type hotKeys struct {
	keys
	epoch, blacklist, stock, userTotal, journal any

	// Draws of one activity fall on one day at a time (its time zone's), so each name
	// of a day is kept for the latest day asked and rebuilt when another comes.
	mu      sync.Mutex
	day     string
	dayArg  any // day itself, boxed
	userDay any // keyRef
	prizes  map[int64]*prizeKeys
}

// prizeKeys are one prize's names and its id as an argument.
type prizeKeys struct {
	id       any
	pool     any // keyRef
	day      string
	prizeDay any // keyRef, of day
}

func (l *Ledger) hotKeys(activityID int64) *hotKeys {
	if h, ok := l.hot.Load(activityID); ok {
		return h.(*hotKeys)
	}
	k := l.keys(activityID)
	h, _ := l.hot.LoadOrStore(activityID, &hotKeys{
		keys: k, epoch: k.epoch(), blacklist: k.blacklist(), stock: k.stock(),
		userTotal: k.userTotal(), journal: k.journal(), prizes: map[int64]*prizeKeys{},
	})
	return h.(*hotKeys)
}

// forDay returns day as an argument and the users' counts of day as a keyRef.
func (h *hotKeys) forDay(day string) (dayArg, userDay any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.dayArg == nil || h.day != day {
		h.day, h.dayArg, h.userDay = day, day, keyRef{h.keys.userDay(day)}
	}
	return h.dayArg, h.userDay
}

// forPrize returns a prize's id as an argument, and its pool and its count of day's as
// keyRefs.
func (h *hotKeys) forPrize(prizeID int64, day string) (id, pool, prizeDay any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p, ok := h.prizes[prizeID]
	if !ok {
		p = &prizeKeys{id: strconv.FormatInt(prizeID, 10), pool: keyRef{h.pool(prizeID)}}
		h.prizes[prizeID] = p
	}
	if p.prizeDay == nil || p.day != day {
		p.day, p.prizeDay = day, keyRef{h.keys.prizeDay(prizeID, day)}
	}
	return p.id, p.pool, p.prizeDay
}
