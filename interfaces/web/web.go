// Package web serves the marketer console: static pages embedded in the binary that talk to
// the server only through the REST contract of API.md.
package web

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/labstack/echo/v4"
)

//go:embed console
var files embed.FS

// Register serves the console at /console/ (GET and HEAD); /console redirects there so
// relative asset paths resolve under the same prefix, and / leads there.
func Register(e *echo.Echo) {
	sub, err := fs.Sub(files, "console")
	if err != nil {
		panic(err) // the directory is embedded at build time; a miss is a build mistake
	}
	assets := http.StripPrefix("/console/", http.FileServer(http.FS(sub)))
	redirect := func(c echo.Context) error {
		return c.Redirect(http.StatusMovedPermanently, "/console/")
	}
	serve := echo.WrapHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The token lives in sessionStorage; forbidding framing and sniffing keeps other
		// origins from driving the page, and the policy lets it run only its own scripts
		// and styles (no inline ones, no other origin), should a view ever put data into
		// the page as markup.
		w.Header().Set("Content-Security-Policy", consolePolicy)
		w.Header().Set("X-Frame-Options", "DENY")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Cache-Control", "no-cache")
		assets.ServeHTTP(w, r)
	}))
	// HEAD as well as GET: uptime checks and link checkers ask with HEAD.
	home := func(c echo.Context) error { return c.Redirect(http.StatusFound, "/console/") }
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		e.Add(method, "/", home) // someone who opens the server's address finds the console
		e.Add(method, "/console", redirect)
		e.Add(method, "/console/*", serve)
	}
}

// consolePolicy is the console's Content-Security-Policy.
const consolePolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
