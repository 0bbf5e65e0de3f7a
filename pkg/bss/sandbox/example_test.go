package sandbox_test

import (
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/auth/global"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/config"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/core/region"
	bss "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2"
	"github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"

	"github.com/bsswatch/bsswatch/pkg/bss/sandbox"
)

// Serve a generated China-site partner over loopback and call it with the official SDK.
func ExampleNew() {
	srv, err := sandbox.New(sandbox.Options{Site: sandbox.SiteCN, Seed: 1, Customers: 25})
	if err != nil {
		fmt.Println(err)
		return
	}
	ts := httptest.NewServer(srv)
	defer ts.Close()
	defer srv.Close()

	m := srv.Manifest(ts.URL)
	cred, _ := global.NewCredentialsBuilder().WithAk(m.Partner.AK).WithSk(m.Partner.SK).WithDomainId(m.Partner.DomainID).SafeBuild()
	hc, _ := bss.BssClientBuilder().
		WithRegion(region.NewRegion("cn-north-1", m.Endpoint)).
		WithCredential(cred).
		WithHttpConfig(config.DefaultHttpConfig().WithTimeout(5 * time.Second)).
		SafeBuild()
	limit := int32(100)
	resp, err := bss.NewBssClient(hc).ListSubCustomers(&model.ListSubCustomersRequest{Body: &model.QuerySubCustomerListReq{Limit: &limit}})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(*resp.Count, "customers;", srv.Calls()["ListSubCustomers"], "call")
	// Output: 25 customers; 1 call
}
