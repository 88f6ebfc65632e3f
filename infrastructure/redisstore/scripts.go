package redisstore

import (
	_ "embed"

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
)

var (
	admitScript     = redis.NewScript(admitSource)
	admitHash   any = admitScript.Hash() // boxed once: it starts every admission call
	undoScript      = redis.NewScript(undoSource)
	topUpScript     = redis.NewScript(topUpSource)
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
