package sandbox

import "time"

// The sandbox has two clocks. The wall clock (Options.WallClock) checks the X-Sdk-Date window and
// the life of temporary credentials, as real APIG does; moving it would only break signatures. The
// business clock is the world's own: it starts at the anchor the data was generated around
// (Options.Now), runs with the wall clock, and Advance moves it forward. It stamps orders and
// payments, and every "is it past its expiry yet" comparison of the world must read it, through
// now(), so that advancing it lets coupons, invoices and resources age without waiting, and a world
// generated around a fixed date keeps its coupons and resources where the generator put them.

// now is the world's "now": the one reading of the business clock every part of the sandbox uses.
func (s *Server) now() time.Time {
	return s.anchor.Add(s.wall().Sub(s.started) + time.Duration(s.offset.Load()))
}

// Clock returns the business clock: the anchor (Now), plus the wall-clock time since New, plus every
// Advance so far.
func (s *Server) Clock() time.Time { return s.now().UTC() }

// Advance moves the business clock forward by d. It never moves backwards: a negative d is ignored,
// since nothing in BSS un-happens.
func (s *Server) Advance(d time.Duration) {
	if d > 0 {
		s.offset.Add(int64(d))
	}
}

// Offset returns how far Advance has moved the business clock.
func (s *Server) Offset() time.Duration { return time.Duration(s.offset.Load()) }
