package admin

// StatsJoined is how many views of statistics found a count under way and waited for it.
func (s *Service) StatsJoined() int {
	s.stats.mu.Lock()
	defer s.stats.mu.Unlock()
	return s.stats.joined
}
