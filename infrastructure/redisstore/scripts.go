package redisstore

import (
	_ "embed"
	"fmt"
	"strconv"

	"github.com/redis/go-redis/v9"
)

var (
	//go:embed admit.lua
	admitSource string
	//go:embed undo.lua
	undoSource string
	//go:embed topup.lua
	topUpSource string
	//go:embed release.lua
	releaseSource string
	//go:embed retire.lua
	retireSource string
)

var (
	undoScript   = redis.NewScript(undoSource)
	topUpScript  = redis.NewScript(topUpSource)
	retireScript = redis.NewScript(retireSource)
	// prizeReleaseScript is not releaseScript, which drops a lock.
	prizeReleaseScript = redis.NewScript(releaseSource)

	// releaseScript drops a lock only while it still holds our token, so a load that
	// overran its lock never frees the lock of the load that took over.
	releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`)
)

// admitSourceFor is the admission script of one deployment (key prefix and database),
// under a hash of its own. Redis keeps one script cache per server, and its presence is
// what tells a process that the server was checked since it last lost its scripts
// (reloadAdmitScript); each deployment checks only its own record, so with one shared hash
// another deployment, or a process with the check off, loading the script would let this
// one's admissions run on an unchecked server. A last comment line makes the difference.
// Processes with the check off share one script: its presence tells them nothing.
func admitSourceFor(prefix string, db int, checked bool) string {
	if !checked {
		return admitSource + "\n-- unchecked\n"
	}
	return fmt.Sprintf("%s\n-- ledger %s, database %d, checked\n", admitSource, strconv.Quote(prefix), db)
}
