package slackapp

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"
)

// DefaultGroupTTL is how long Approvers trusts a user group's member list: long enough that a burst
// of clicks makes one usergroups.users.list call (a Tier 2 method, about 20 calls a minute), short
// enough that someone removed from the group loses the right within minutes.
const DefaultGroupTTL = 5 * time.Minute

// GroupReader lists the members of a Slack user group; *notify.Slack is one.
type GroupReader interface {
	GroupMembers(ctx context.Context, group string) ([]string, error)
}

// Approvers says who may approve or reject a renewal: the user ids in Users, and the members of the
// user group Group (read through Client with usergroups:read). The zero value allows nobody. An
// *Approvers is safe for concurrent use.
type Approvers struct {
	Users []string
	Group string
	// Client reads the group's members; needed only when Group is set.
	Client GroupReader
	// Now is the clock of the member cache; nil means time.Now.
	Now func() time.Time
	// TTL is how long a member list is used before it is read again; 0 means DefaultGroupTTL.
	TTL time.Duration

	mu      sync.Mutex
	members []string
	read    time.Time // when members was read; zero when never
}

// Allowed reports whether userID may decide. The allow-list is checked first and needs no call to
// Slack; then the group's member list, read from Slack when the cached one is older than TTL. It
// returns an error, and false, when the member list cannot be read: a Slack failure never allows
// anyone, and a failed read is not cached.
func (a *Approvers) Allowed(ctx context.Context, userID string) (bool, error) {
	if userID == "" {
		return false, nil
	}
	if slices.Contains(a.Users, userID) {
		return true, nil
	}
	if a.Group == "" {
		return false, nil
	}
	members, err := a.groupMembers(ctx)
	if err != nil {
		return false, err
	}
	return slices.Contains(members, userID), nil
}

func (a *Approvers) groupMembers(ctx context.Context) ([]string, error) {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	ttl := a.TTL
	if ttl <= 0 {
		ttl = DefaultGroupTTL
	}
	// Holding the lock across the call makes concurrent clicks share one read.
	a.mu.Lock()
	defer a.mu.Unlock()
	t := now()
	if !a.read.IsZero() && t.Before(a.read.Add(ttl)) && !t.Before(a.read) {
		return a.members, nil
	}
	if a.Client == nil {
		return nil, errors.New("slackapp: approvers: a user group is configured but no Slack client to read it")
	}
	members, err := a.Client.GroupMembers(ctx, a.Group)
	if err != nil {
		return nil, fmt.Errorf("slackapp: list members of user group %s: %w", a.Group, err)
	}
	a.members, a.read = members, t
	return members, nil
}
