package main

import (
	"runtime/debug"
	"strings"
)

// version says what this binary was built from: the module's version when it was
// installed as one, else the commit it was built at (with "+dirty" for uncommitted
// changes), else "devel"; and the Go that built it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	if rev := settings["vcs.revision"]; rev != "" && (v == "" || v == "(devel)" || strings.Contains(v, rev[:min(12, len(rev))])) {
		v = rev[:min(12, len(rev))]
		if settings["vcs.modified"] == "true" {
			v += "+dirty"
		}
	}
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	return v + " (" + info.GoVersion + ")"
}
