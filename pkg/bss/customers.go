package bss

import (
	"context"
	"sync"
	"time"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// AssociationType says how a customer is tied to its partner. Only Reseller customers have a
// balance the partner can read (ListCustomersBalancesDetail) or coupons it issued to them.
type AssociationType string

// The association types.
const (
	Advisory AssociationType = "1" // 顾问销售: the customer pays Huawei directly
	Reseller AssociationType = "2" // 代售: the partner resells
)

// SubCustomer is one customer of the partner.
type SubCustomer struct {
	ID              string
	AccountName     string
	Name            string // real-name authentication name
	AssociationType AssociationType
	AssociatedOn    time.Time
	Label           string
	Frozen          int // 0 no, 1 account frozen, 2 account and resources frozen
}

// SubCustomers lists every customer of the partner (ListSubCustomers, partner credentials, both
// sites), PageSubCustomers per call. It fails with Unsupported before any call for a customer
// profile, and with an *Error when a page fails after retries (no partial list).
func (c *Client) SubCustomers(ctx context.Context) ([]SubCustomer, error) {
	return c.EachSubCustomers(ctx, nil)
}

// EachSubCustomers is SubCustomers that also hands each page to each as soon as it arrives, so a
// caller can work on the first customers while the rest are listed (pages come in any order, one
// call of each at a time). When it fails, each may already have seen some pages.
func (c *Client) EachSubCustomers(ctx context.Context, each func([]SubCustomer)) ([]SubCustomer, error) {
	if err := c.allow(ListSubCustomers); err != nil {
		return nil, err
	}
	var mu sync.Mutex
	return pageAll(ctx, c, ListSubCustomers, PageSubCustomers, func(i int) (page[SubCustomer], error) {
		req := cnmodel.QuerySubCustomerListReq{Offset: ptr(int32(i * PageSubCustomers)), Limit: ptr(int32(PageSubCustomers))}
		var raw []subCustomerRaw
		var count *int32
		if c.cn != nil {
			resp, err := c.cn.ListSubCustomers(&cnmodel.ListSubCustomersRequest{Body: &req})
			if err != nil {
				return page[SubCustomer]{}, err
			}
			count = resp.Count
			if resp.CustomerInfos != nil {
				for _, ci := range *resp.CustomerInfos {
					raw = append(raw, subCustomerRaw{ci.CustomerId, ci.AccountName, ci.Customer,
						ci.AssociationType, ci.AssociatedOn, ci.Label, ci.IsFrozen})
				}
			}
		} else {
			ireq := intlmodel.QuerySubCustomerListReq(req)
			resp, err := c.intl.ListSubCustomers(&intlmodel.ListSubCustomersRequest{Body: &ireq})
			if err != nil {
				return page[SubCustomer]{}, err
			}
			count = resp.Count
			if resp.CustomerInfos != nil {
				for _, ci := range *resp.CustomerInfos {
					raw = append(raw, subCustomerRaw{ci.CustomerId, ci.AccountName, ci.Customer,
						ci.AssociationType, ci.AssociatedOn, ci.Label, ci.IsFrozen})
				}
			}
		}
		p := page[SubCustomer]{total: total(count)}
		for _, r := range raw {
			on, err := timeField(ListSubCustomers, "associated_on", r.associatedOn)
			if err != nil {
				return page[SubCustomer]{}, err
			}
			p.items = append(p.items, SubCustomer{ID: r.id, AccountName: r.accountName, Name: str(r.name),
				AssociationType: AssociationType(str(r.associationType)), AssociatedOn: on, Label: str(r.label),
				Frozen: num(r.frozen)})
		}
		if each != nil {
			mu.Lock()
			each(p.items)
			mu.Unlock()
		}
		return p, nil
	})
}

// subCustomerRaw holds the fields of the two SDKs' CustomerInformation (identical JSON, distinct Go
// types) that SubCustomer needs.
type subCustomerRaw struct {
	id, accountName                            string
	name, associationType, associatedOn, label *string
	frozen                                     *int32
}

func total(n *int32) int {
	if n == nil {
		return -1
	}
	return int(*n)
}
