package main

import "runtime/debug"

// version says what this binary was built from: the module's version when it was
// installed as one, else the commit it was built at (with "+dirty" for uncommitted
// changes), else "devel"; and the Go that built it.
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
		var modified bool
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				v = s.Value[:min(12, len(s.Value))]
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
		if modified && v != "devel" {
			v += "+dirty"
		}
	}
	return v + " (" + info.GoVersion + ")"
}
