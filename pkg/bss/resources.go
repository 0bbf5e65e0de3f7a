package bss

import (
	"context"
	"time"

	"github.com/shopspring/decimal"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
	intlmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bssintl/v2/model"
)

// ResourceStatus is the state of a yearly/monthly resource.
type ResourceStatus int

// The resource states.
const (
	ResourceInUse   ResourceStatus = 2
	ResourceClosed  ResourceStatus = 3
	ResourceFrozen  ResourceStatus = 4
	ResourceExpired ResourceStatus = 5
)

// ExpirePolicy is what happens to a resource when it expires.
type ExpirePolicy int

// The expiry policies. A resource with AutoRenew renews itself and needs no quote.
const (
	ExpireGracePeriod  ExpirePolicy = 0
	ExpireToOnDemand   ExpirePolicy = 1
	ExpireDelete       ExpirePolicy = 2
	ExpireAutoRenew    ExpirePolicy = 3
	ExpireFreeze       ExpirePolicy = 4
	ExpireDeleteRetain ExpirePolicy = 5
)

// ResourceFilter narrows Resources. CustomerID is required for partner profiles (a partner lists a
// customer's resources) and refused for customer profiles. ResourceIDs are sent BatchResourceIDs at a
// time. OnlyMain leaves out attached resources (which renew with their main one). OrderID keeps the
// resources of that order (a purchase or a renewal). Statuses (at most 10) and the exclusive expiry
// window (zero: unbounded) are applied by the service.
type ResourceFilter struct {
	CustomerID   string
	ResourceIDs  []string
	OnlyMain     bool
	OrderID      string
	Statuses     []ResourceStatus
	ExpireAfter  time.Time
	ExpireBefore time.Time
}

// Resource is a yearly/monthly resource.
type Resource struct {
	ID                string // resource_id, what RenewRate and Renew take
	InstanceID        string // the subscription record id
	Name              string
	Region            string
	ServiceType       string // e.g. hws.service.type.ec2
	ResourceType      string
	ServiceTypeName   string
	ResourceTypeName  string
	SpecCode          string
	ProjectID         string
	ParentID          string
	Main              bool
	Status            ResourceStatus
	Effective         time.Time
	Expires           time.Time
	ExpirePolicy      ExpirePolicy
	SpecDesc          string
	SpecSize          decimal.Decimal
	EnterpriseProject string // name, or id when the name is absent
}

// Resources lists yearly/monthly resources (ListPayPerUseCustomerResources), PageResources per call.
// A customer profile lists its own; a partner profile must name a customer. It fails before any call
// with Unsupported (partner without CustomerID) or Invalid (customer with CustomerID, more than 10
// statuses, an empty id), and with an *Error when any call fails after retries (no partial list).
func (c *Client) Resources(ctx context.Context, f ResourceFilter) ([]Resource, error) {
	op := ListPayPerUseCustomerResources
	switch {
	case c.profile.Role == Partner && f.CustomerID == "":
		return nil, unsupported(string(op), "a partner lists a customer's resources: set the customer id (profile %s)", c.profile.Name)
	case c.profile.Role == Customer && f.CustomerID != "":
		return nil, invalidArg(string(op), "customer id is for partner profiles; profile %s lists its own resources", c.profile.Name)
	case len(f.Statuses) > 10:
		return nil, invalidArg(string(op), "at most 10 statuses, got %d", len(f.Statuses))
	}
	for _, id := range f.ResourceIDs {
		if id == "" {
			return nil, invalidArg(string(op), "empty resource id")
		}
	}
	var base cnmodel.QueryResourcesReq
	if f.CustomerID != "" {
		base.CustomerId = ptr(f.CustomerID)
	}
	if f.OnlyMain {
		base.OnlyMainResource = ptr(int32(1))
	}
	if f.OrderID != "" {
		base.OrderId = ptr(f.OrderID)
	}
	if len(f.Statuses) > 0 {
		st := make([]int32, len(f.Statuses))
		for i, s := range f.Statuses {
			st[i] = int32(s)
		}
		base.StatusList = &st
	}
	base.ExpireTimeBegin, base.ExpireTimeEnd = timeRange(f.ExpireAfter, f.ExpireBefore)

	batches := Batches(f.ResourceIDs, BatchResourceIDs)
	if len(batches) == 0 {
		batches = [][]string{nil}
	}
	results := make([][]Resource, len(batches))
	errs := c.fanOut(ctx, op, len(batches), func(b int) error {
		req := base
		if ids := batches[b]; ids != nil {
			req.ResourceIds = &ids
		}
		raw, err := pageAll(ctx, c, op, PageResources, func(i int) (page[cnmodel.OrderInstanceV2], error) {
			r := req
			r.Offset, r.Limit = ptr(int32(i*PageResources)), ptr(int32(PageResources))
			return c.listResources(r)
		})
		if err != nil {
			return err
		}
		for _, o := range raw {
			res, err := resourceOf(o)
			if err != nil {
				return err
			}
			results[b] = append(results[b], res)
		}
		return nil
	})
	var out []Resource
	for b, err := range errs {
		if err != nil {
			return nil, err
		}
		out = append(out, results[b]...)
	}
	return out, nil
}

func (c *Client) listResources(r cnmodel.QueryResourcesReq) (page[cnmodel.OrderInstanceV2], error) {
	if c.cn != nil {
		resp, err := c.cn.ListPayPerUseCustomerResources(&cnmodel.ListPayPerUseCustomerResourcesRequest{Body: &r})
		if err != nil {
			return page[cnmodel.OrderInstanceV2]{}, err
		}
		return page[cnmodel.OrderInstanceV2]{items: deref(resp.Data), total: total(resp.TotalCount)}, nil
	}
	ir := intlmodel.QueryResourcesReq(r)
	resp, err := c.intl.ListPayPerUseCustomerResources(&intlmodel.ListPayPerUseCustomerResourcesRequest{Body: &ir})
	if err != nil {
		return page[cnmodel.OrderInstanceV2]{}, err
	}
	p := page[cnmodel.OrderInstanceV2]{total: total(resp.TotalCount)}
	for _, o := range deref(resp.Data) {
		var ep *cnmodel.EnterpriseProject
		if o.EnterpriseProject != nil {
			ep = ptr(cnmodel.EnterpriseProject(*o.EnterpriseProject))
		}
		p.items = append(p.items, cnmodel.OrderInstanceV2{Id: o.Id, ResourceId: o.ResourceId, ResourceName: o.ResourceName,
			RegionCode: o.RegionCode, ServiceTypeCode: o.ServiceTypeCode, ResourceTypeCode: o.ResourceTypeCode,
			ResourceTypeName: o.ResourceTypeName, ServiceTypeName: o.ServiceTypeName, ResourceSpecCode: o.ResourceSpecCode,
			ProjectId: o.ProjectId, ProductId: o.ProductId, ParentResourceId: o.ParentResourceId,
			IsMainResource: o.IsMainResource, Status: o.Status, EffectiveTime: o.EffectiveTime, ExpireTime: o.ExpireTime,
			ExpirePolicy: o.ExpirePolicy, ProductSpecDesc: o.ProductSpecDesc, SpecSize: o.SpecSize,
			SpecSizeMeasureId: o.SpecSizeMeasureId, UpdateTime: o.UpdateTime, EnterpriseProject: ep})
	}
	return p, nil
}

func resourceOf(o cnmodel.OrderInstanceV2) (Resource, error) {
	r := Resource{ID: str(o.ResourceId), InstanceID: str(o.Id), Name: str(o.ResourceName), Region: str(o.RegionCode),
		ServiceType: str(o.ServiceTypeCode), ResourceType: str(o.ResourceTypeCode), ServiceTypeName: str(o.ServiceTypeName),
		ResourceTypeName: str(o.ResourceTypeName), SpecCode: str(o.ResourceSpecCode), ProjectID: str(o.ProjectId),
		ParentID: str(o.ParentResourceId), Main: num(o.IsMainResource) == 1, Status: ResourceStatus(num(o.Status)),
		ExpirePolicy: ExpirePolicy(num(o.ExpirePolicy)), SpecDesc: str(o.ProductSpecDesc), SpecSize: decimalOf(o.SpecSize)}
	if o.EnterpriseProject != nil {
		r.EnterpriseProject = orDefault(o.EnterpriseProject.Name, str(o.EnterpriseProject.Id))
	}
	err := times(ListPayPerUseCustomerResources, []timeSlot{{"effective_time", o.EffectiveTime, &r.Effective},
		{"expire_time", o.ExpireTime, &r.Expires}})
	return r, err
}
