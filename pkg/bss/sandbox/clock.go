package sandbox

import "time"

// The sandbox has two clocks. The wall clock (Options.WallClock) checks the X-Sdk-Date window and
// the life of temporary credentials, as real APIG does; moving it would only break signatures. The
// business clock is the wall clock moved forward by Advance: it stamps orders and payments and is
// what every "is it past its expiry yet" comparison of the world must read, through now(), so that
// advancing it lets coupons, invoices and resources age without waiting.

// now is the world's "now": the one reading of the business clock every part of the sandbox uses.
func (s *Server) now() time.Time { return s.wall().Add(time.Duration(s.offset.Load())) }

// Clock returns the business clock: the wall clock plus every Advance so far. Options.Now (see Now)
// only anchors the generated data and does not move.
func (s *Server) Clock() time.Time { return s.now().UTC() }

// Advance moves the business clock forward by d. It never moves backwards: a negative d is ignored,
// since nothing in BSS un-happens.
func (s *Server) Advance(d time.Duration) {
	if d > 0 {
		s.offset.Add(int64(d))
	}
}

// Offset returns how far the business clock runs ahead of the wall clock.
func (s *Server) Offset() time.Duration { return time.Duration(s.offset.Load()) }
