// Package app builds, from one validated configuration, everything a function needs at cold start
// (BSS clients per profile, the state store, destinations, the router and the alert engine) and runs a
// check through them. Functions, local runs and the demo all go through it, so they behave alike.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/bsswatch/bsswatch/pkg/alert"
	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/check"
	"github.com/bsswatch/bsswatch/pkg/config"
	"github.com/bsswatch/bsswatch/pkg/notify"
	"github.com/bsswatch/bsswatch/pkg/state"
	"github.com/bsswatch/bsswatch/pkg/state/dynamo"
)

// Options are what the caller, not the configuration, decides.
type Options struct {
	// Now is the clock of the alert engine and the stores; nil means time.Now.
	Now func() time.Time
	// Log receives one line per meaningful event; nil discards.
	Log *slog.Logger
	// AWS loads the AWS configuration (once, whatever the number of calls) for DynamoDB and, through
	// Start, for configuration sources and secrets in AWS; it is only called when one of those is
	// used. Nil means no AWS: the state backend must be bolt and every reference env or a file.
	AWS func(context.Context) (aws.Config, error)
	// BSS tunes the BSS clients (rate, retries); the per-profile rate of the configuration wins.
	BSS bss.Options
	// HTTPClient, when set, carries every Slack and webhook request (tests, proxies).
	HTTPClient *http.Client
	// Share is how many processes run this work at once against the same accounts (the renewal
	// queue's maximum concurrency): each takes that share of every profile's BSS rate and of Slack's
	// pace. 0 or 1: this process is alone.
	Share int
	// File opens the bolt backend's state file (local runs, the demo, benchmarks: cmd/bsswatch
	// passes bolt.Opener). Nil refuses the bolt backend: in Lambda a file would not outlive the
	// execution environment, and leaving bbolt out keeps it out of the functions' bootstraps.
	File func(path string, now func() time.Time) (state.Store, func() error, error)
}

// App is a configured bsswatch.
type App struct {
	Config  *config.Config
	Clients map[string]*bss.Client
	Store   state.Store
	Engine  *alert.Engine
	Log     *slog.Logger
	checks  map[string]check.Check
	dests   map[string]notify.Destination
	http    *http.Client
	now     func() time.Time
	loc     *time.Location
	close   func() error
	aws     func(context.Context) (aws.Config, error)
	share   int
}

// Share is Options.Share, at least 1.
func (a *App) Share() int { return max(a.share, 1) }

// New builds an App from a resolved configuration. It makes no BSS or Slack call; it fails, listing
// every problem, when a profile or destination cannot be built or the state store cannot be opened.
func New(ctx context.Context, cfg *config.Config, opts Options) (*App, error) {
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	var errs []error
	clients := make(map[string]*bss.Client, len(cfg.Profiles))
	for name, p := range cfg.Profiles {
		o := opts.BSS
		o.RatePerSecond = cmp.Or(p.RatePerSecond, o.RatePerSecond, bss.DefaultRatePerSecond) / float64(max(opts.Share, 1))
		c, err := bss.New(profile(name, p), o)
		if err != nil {
			errs = append(errs, fmt.Errorf("profiles.%s: %w", name, err))
			continue
		}
		clients[name] = c
	}
	dests, err := destinations(cfg, opts)
	if err != nil {
		errs = append(errs, err)
	}
	var router *notify.Router
	if err == nil {
		routes := make([]notify.Route, len(cfg.Routes))
		for i, r := range cfg.Routes {
			routes[i] = notify.Route{Checks: r.Checks, MinSeverity: r.MinSeverity, Accounts: r.Accounts, To: r.To}
		}
		if router, err = notify.NewRouter(routes, cfg.Ops, dests); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	httpClient := opts.HTTPClient
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	store, closeStore, err := openStore(ctx, cfg.State, now, opts)
	if err != nil {
		return nil, err
	}
	// Messages show times in the configured zone; the engine stamps them with its clock.
	loc := cfg.Location
	if loc == nil {
		loc = time.UTC
	}
	local := func() time.Time { return now().In(loc) }
	return &App{
		Config:  cfg,
		Clients: clients,
		Store:   store,
		Engine: &alert.Engine{
			Store:          store,
			Router:         router,
			Now:            local,
			RepeatInterval: cfg.Alerts.RepeatInterval,
			Log:            log,
		},
		Log:    log,
		checks: checks(cfg),
		dests:  dests,
		http:   httpClient,
		now:    now,
		loc:    loc,
		close:  closeStore,
		aws:    opts.AWS,
		share:  opts.Share,
	}, nil
}

// AWS returns the AWS configuration the App loaded (once) for its state and secrets, for other AWS
// clients of the function; it fails when the App was built without one.
func (a *App) AWS(ctx context.Context) (aws.Config, error) {
	if a.aws == nil {
		return aws.Config{}, errors.New("app: no AWS configuration")
	}
	return a.aws(ctx)
}

// Now reads the App's clock.
func (a *App) Now() time.Time { return a.now() }

// Destination returns the configured destination named name.
func (a *App) Destination(name string) (notify.Destination, bool) {
	d, ok := a.dests[name]
	return d, ok
}

// HTTPClient carries the App's outbound HTTP requests (Slack, webhooks, response_url answers).
func (a *App) HTTPClient() *http.Client { return a.http }

// Close releases the state store.
func (a *App) Close() error { return a.close() }

func profile(name string, p *config.Profile) bss.Profile {
	return bss.Profile{
		Name:          name,
		Role:          bss.Role(p.Role),
		Site:          bss.Site(p.Site),
		AK:            p.AK.Value(),
		SK:            p.SK.Value(),
		SecurityToken: p.SecurityToken.Value(),
		DomainID:      p.DomainID,
		Endpoint:      p.Endpoint,
		Region:        p.Region,
		Timeout:       p.Timeout,
	}
}

func destinations(cfg *config.Config, opts Options) (map[string]notify.Destination, error) {
	var nopts []notify.Option
	if opts.HTTPClient != nil {
		nopts = append(nopts, notify.WithHTTPClient(opts.HTTPClient))
	}
	if opts.Now != nil {
		nopts = append(nopts, notify.WithClock(opts.Now))
	}
	dests := make(map[string]notify.Destination, len(cfg.Destinations))
	var errs []error
	for name, d := range cfg.Destinations {
		var (
			dest notify.Destination
			err  error
		)
		switch d.Type {
		case config.TypeSlack:
			o := nopts
			if d.APIURL != "" {
				o = append(o[:len(o):len(o)], notify.WithAPIURL(d.APIURL))
			}
			dest, err = notify.NewSlack(name, d.Token.Value(), d.Channel, o...)
		case config.TypeSlackWebhook:
			dest, err = notify.NewSlackWebhook(name, d.WebhookURL.Value(), nopts...)
		case config.TypeWebhook:
			dest, err = notify.NewWebhook(name, d.URL, d.Secret.Value(), nopts...)
		default:
			err = fmt.Errorf("unknown type %q", d.Type)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("destinations.%s: %w", name, err))
			continue
		}
		dests[name] = dest
	}
	return dests, errors.Join(errs...)
}

func openStore(ctx context.Context, s config.State, now func() time.Time, opts Options) (state.Store, func() error, error) {
	switch s.Backend {
	case config.BackendBolt:
		if opts.File == nil {
			return nil, nil, errors.New("state: the bolt backend is a file for local runs; a function keeps its state in DynamoDB (state.backend: dynamodb)")
		}
		st, closeFile, err := opts.File(s.Path, now)
		if err != nil {
			return nil, nil, fmt.Errorf("state: %w", err)
		}
		return st, closeFile, nil
	case config.BackendDynamoDB:
		if opts.AWS == nil {
			return nil, nil, errors.New("state: the dynamodb backend needs AWS configuration")
		}
		awsCfg, err := opts.AWS(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("state: aws configuration: %w", err)
		}
		return dynamo.New(dynamodb.NewFromConfig(awsCfg), s.Table, dynamo.Options{Now: now}), func() error { return nil }, nil
	default:
		return nil, nil, fmt.Errorf("state: unknown backend %q", s.Backend)
	}
}
