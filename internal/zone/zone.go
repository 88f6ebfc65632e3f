// Package zone loads time zones once: time.LoadLocation parses zone data on every call,
// and both activities (reloaded whenever a cache entry expires) and rule trees (whose
// timezone() a tree meaning local time calls on every draw) ask for the same few.
package zone

import (
	"sync"
	"time"

	// An activity's time zone defines "today" for daily limits, so nothing may depend on
	// whether the host image ships a zoneinfo database.
	_ "time/tzdata"
)

// zones caches the locations loaded; there are a few hundred names, and only valid ones
// are kept.
var zones sync.Map // string → *time.Location

// Load returns the location named name, as time.LoadLocation does.
func Load(name string) (*time.Location, error) {
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
