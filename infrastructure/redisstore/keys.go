package redisstore

import "strconv"

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

// gen changes whenever the truth behind the counters changes; a load watches it.
func (k keys) gen() string { return k.base + "gen" }

func (k keys) userTotal() string            { return k.base + "ut" }
func (k keys) userDay(day string) string    { return k.base + "ud:" + day }
func (k keys) idem(user, key string) string { return k.base + "idem:" + user + ":" + key }
func (k keys) rateUser(user string) string  { return k.base + "rl:u:" + user }
func (k keys) rateIP(ip string) string      { return k.base + "rl:ip:" + ip }

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
// instead of once per draw.
type hotKeys struct {
	keys
	epoch, blacklist, stock, userTotal, journal string
}

func (l *Ledger) hotKeys(activityID int64) *hotKeys {
	if h, ok := l.hot.Load(activityID); ok {
		return h.(*hotKeys)
	}
	k := l.keys(activityID)
	h, _ := l.hot.LoadOrStore(activityID, &hotKeys{
		keys: k, epoch: k.epoch(), blacklist: k.blacklist(), stock: k.stock(),
		userTotal: k.userTotal(), journal: k.journal(),
	})
	return h.(*hotKeys)
}
