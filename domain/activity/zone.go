package activity

import (
	"sync"
	"time"

	// The activity's time zone defines "today" for daily limits, so its rules must not
	// depend on whether the host image ships a zoneinfo database.
	_ "time/tzdata"
)

// zones caches loaded locations: time.LoadLocation parses zone data on every call, and
// activities are reloaded whenever a cache entry expires.
var zones sync.Map // string → *time.Location

func loadZone(name string) (*time.Location, error) {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location), nil
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, err
	}
	zones.Store(name, loc)
	return loc, nil
}
