package sandbox

import (
	"time"

	"github.com/shopspring/decimal"
)

// Partner is the solution provider or distributor that owns the sandbox's customers.
type Partner struct {
	ID       string // the partner's account id, which is also its domain id
	DomainID string
	Name     string
	AK, SK   string
	Currency string
}

// Account type codes of ListPartnerBalances and ShowCustomerAccountBalances.
const (
	AccountCash        = 1 // 余额: the balance that pays for things
	AccountCredit      = 2 // 信用: a credit line
	AccountAllocatable = 8 // 可拨款: money the partner can allocate to reseller customers
)

// PartnerAccount is one of the partner's accounts as ListPartnerBalances reports it.
type PartnerAccount struct {
	AccountID        string
	Type             int
	Amount           decimal.Decimal
	DesignatedAmount decimal.Decimal
	CreditAmount     decimal.Decimal // the credit line; only for AccountCredit
	Currency         string
}

// Customer is a sub-customer of the partner. BSS uses the customer's account id as customer_id, and the
// account id is the domain id, so ID and DomainID are equal; both exist because the APIs name them apart.
type Customer struct {
	ID          string
	DomainID    string
	AccountName string // login name
	Name        string // real-name (company) name
	AK, SK      string
	// Reseller is true for the reseller (代售) model. Only reseller customers come back from
	// ListCustomersBalancesDetail and ListIssuedPartnerCoupons; the others (顾问销售) are filtered out.
	Reseller bool
	// Balance is the cash balance; negative means the customer owes money (debt_amount on the wire).
	Balance      decimal.Decimal
	Currency     string
	Label        string
	AssociatedOn time.Time
}

// Resource status codes of ListPayPerUseCustomerResources.
const (
	StatusInUse   = 2
	StatusClosed  = 3
	StatusFrozen  = 4
	StatusExpired = 5
)

// Expire policies: what happens to a resource when it expires.
const (
	PolicyGracePeriod     = 0
	PolicyToOnDemand      = 1
	PolicyDelete          = 2
	PolicyAutoRenew       = 3
	PolicyFreeze          = 4
	PolicyDeleteRetention = 5
)

// Resource is one yearly/monthly resource: a main resource or a part attached to one (ParentID set).
type Resource struct {
	InstanceID       string // the subscription instance id ("id" on the wire)
	ResourceID       string
	CustomerID       string
	Name             string
	RegionCode       string
	ServiceTypeCode  string
	ServiceTypeName  string
	ResourceTypeCode string
	ResourceTypeName string
	SpecCode         string
	SpecDesc         string
	SpecSize         decimal.Decimal
	SpecSizeMeasure  int // 17 = GB, 15 = Mbit/s, 0 = none
	ProjectID        string
	ProductID        string
	ParentID         string // main resource's ResourceID for attached parts
	Main             bool
	Status           int
	ExpirePolicy     int
	EffectiveTime    time.Time
	ExpireTime       time.Time
	UpdateTime       time.Time
	// MonthlyPrice is the official price of one month of this part alone, before any price factor.
	MonthlyPrice decimal.Decimal
}

// Order is an order created by RenewalResources. A renewal of several resources is a combined order
// (组合交易订单): its SubOrders hold one sub-order per resource, and the resources belong to the
// sub-orders, not to the combined id.
type Order struct {
	ID          string
	CustomerID  string
	ResourceIDs []string // main resources; their attached parts renew with them
	SubOrders   []SubOrder
	PeriodType  int // 2 month, 3 year
	PeriodNum   int
	Amount      decimal.Decimal // best-offer amount at ordering time
	Official    decimal.Decimal // list price at ordering time
	Currency    string
	Paid        bool
	CreatedAt   time.Time
	PaidAt      time.Time
}

// SubOrder is one resource's part of a combined order.
type SubOrder struct {
	ID         string
	ResourceID string
	Amount     decimal.Decimal
	Official   decimal.Decimal
}

// resourcesOf returns the main resources that order id (o's own id or one of its sub-orders' ids)
// holds: a combined order's id holds none itself.
func (o *Order) resourcesOf(id string) []string {
	if len(o.SubOrders) == 0 {
		if id == o.ID {
			return o.ResourceIDs
		}
		return nil
	}
	for _, sub := range o.SubOrders {
		if sub.ID == id {
			return []string{sub.ResourceID}
		}
	}
	return nil
}

// Coupon status codes (both coupon APIs).
const (
	CouponInactive  = 1
	CouponUsable    = 2
	CouponUsed      = 3
	CouponExpired   = 4
	CouponReclaimed = 5
)

// Coupon is a coupon held by a customer (issued by the partner) or by the partner itself.
type Coupon struct {
	ID            string
	Code          string
	OwnerID       string // customer id, or the partner id for partner-own coupons
	Type          int    // 1 voucher, 2 discount, 3 product, 4 cash
	Status        int
	FaceValue     decimal.Decimal
	Balance       decimal.Decimal
	Currency      string
	PlanID        string
	PlanName      string
	PlanDesc      string
	OrderID       string
	SourceID      string // issuer: the partner id or an activity id
	Test          bool   // a test coupon (云软件方案测试券), credited to the partner, valid 3 months
	Version       int    // 1 single use, 2 reusable
	CreateTime    time.Time
	EffectiveTime time.Time
	ExpireTime    time.Time
	ActiveTime    time.Time
}

// Quota status codes of ListQuotaCoupons.
const (
	QuotaNormal    = 0
	QuotaInvalid   = 3
	QuotaAdjusting = 4
	QuotaFrozen    = 5
)

// Quota is a coupon quota that Huawei granted the partner to issue coupons from.
type Quota struct {
	ID             string
	Type           int // 0 voucher quota, 1 cash-coupon quota
	Status         int
	Value          decimal.Decimal
	Balance        decimal.Decimal // what is left to issue
	Currency       string
	CreateTime     time.Time
	LastUpdateTime time.Time
	EffectiveTime  time.Time
	ExpireTime     time.Time
}

// Invoice is an invoice request on the international site.
type Invoice struct {
	RequestID   string
	DomainID    string // the account that applied
	Title       string
	TitleType   int // 0 personal, 1 enterprise
	Type        int // 0 special VAT, 1 normal VAT
	Method      int // 0 bill cycle, 1 payment received, 2 order
	Class       int // 0 tax, 1 commercial
	State       int // see InvoiceStates
	Amount      decimal.Decimal
	TaxRate     string
	TaxAmount   decimal.Decimal
	ApplyTime   time.Time
	InvoiceNo   string
	TradeType   int
	BillCycle   string
	Email       string
	RequestMode string // "0" issue, "1" return, "2" issued then returned
	// SrcRequestID is the original request of a return.
	SrcRequestID string
	CancelReason string
	// ApplyForm is how applyTime is written on the wire (ApplyRFC3339, ...).
	ApplyForm int
	// Steps are the states the request reaches later, in time order (see Server.Advance).
	Steps []InvoiceStep
}

// InvoiceStates lists every invoiceState code the international site documents.
var InvoiceStates = []int{0, 1, 4, 5, 6, 7, 8, 9, 11, 13, 14, 15}
