package bss_test

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"

	"github.com/bsswatch/bsswatch/pkg/bss"
	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// A partner lists its customers against the sandbox; quoting a renewal needs the customer's own
// credentials, so the partner's client refuses it without calling BSS.
func Example() {
	srv, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 1, Customers: 250, Now: anchor})
	if err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()
	m := srv.Manifest(ts.URL)

	c, err := bss.New(bss.Profile{Name: "acme", Role: bss.Partner, Site: bss.China, AK: m.Partner.AK, SK: m.Partner.SK,
		DomainID: m.Partner.DomainID, Endpoint: m.Endpoint}, bss.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	ctx := context.Background()
	customers, err := c.SubCustomers(ctx)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(customers), "customers in", c.Stats()[bss.ListSubCustomers].Attempts, "calls")

	_, err = c.RenewRate(ctx, bss.RenewRequest{ResourceIDs: []string{"r-1"}, PeriodType: bss.Year, PeriodNum: 1})
	fmt.Println(errors.Is(err, bss.ErrUnsupported))
	// Output:
	// 250 customers in 3 calls
	// true
}
