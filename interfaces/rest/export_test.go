package rest

import "time"

// SetReadTimeout shortens the server's whole-request read timeout for a test and returns
// what it was.
func (s *Server) SetReadTimeout(d time.Duration) (was time.Duration) {
	was, s.http.ReadTimeout = s.http.ReadTimeout, d
	return was
}
