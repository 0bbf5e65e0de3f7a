package sandbox

import (
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/shopspring/decimal"
)

// world is everything the sandbox knows; Server.mu guards it.
type world struct {
	site            string
	partner         Partner
	accounts        []PartnerAccount
	customers       []*customer
	byID            map[string]*customer
	partnerCoupons  []*Coupon
	issued          []*Coupon // coupons the partner issued to reseller customers, in customer order
	quotas          []*Quota
	partnerInvoices []*Invoice
	resources       map[string]*Resource // by ResourceID
	orders          []*Order
	orderByID       map[string]*Order
	unpaid          map[string]string // main ResourceID -> id of its unpaid order
	orderSeq        int
	spend           spendBook // how each account spends (spend.go)
}

// customer is a Customer with what the sandbox keeps for it.
type customer struct {
	Customer
	resources   []*Resource // each main resource followed by its attached parts
	coupons     []*Coupon
	invoices    []*Invoice
	discounts   []discount
	priceFactor decimal.Decimal
}

// discount is an optional discount that renewal quotes offer the customer.
type discount struct {
	id   string
	typ  int // 605 Huawei contract, 606 partner-granted contract, 607 partner-set rate
	name string
	off  decimal.Decimal // the fraction taken off the official price
}

// generate builds the world. Each customer draws from its own PCG stream keyed by (seed, index), so
// customer i is the same whatever the number of customers, and the same seed gives the same bytes.
func generate(site string, seed int64, n int, now time.Time) *world {
	g := &gen{site: site, now: now, r: rand.New(rand.NewPCG(uint64(seed), 0))}
	w := &world{
		site:      site,
		byID:      make(map[string]*customer, n),
		resources: make(map[string]*Resource, n*5),
		orderByID: map[string]*Order{},
		unpaid:    map[string]string{},
	}
	w.partner = g.partner()
	w.accounts = g.partnerAccounts()
	w.partnerCoupons = g.partnerCoupons(w.partner.ID)
	w.quotas = g.quotas()
	if site == SiteIntl {
		w.partnerInvoices = byApplyTime(g.partnerInvoices(w.partner.DomainID))
	}
	w.customers = make([]*customer, n)
	for i := range n {
		cg := &gen{site: site, now: now, r: rand.New(rand.NewPCG(uint64(seed), 0x9e3779b97f4a7c15*uint64(i+1)))}
		c := cg.customer(i, w.partner.ID)
		w.customers[i] = c
		w.byID[c.ID] = c
		for _, res := range c.resources {
			w.resources[res.ResourceID] = res
		}
		if c.Reseller {
			for _, cp := range c.coupons {
				if cp.SourceID == w.partner.ID {
					w.issued = append(w.issued, cp)
				}
			}
		}
	}
	return w
}

type gen struct {
	site string
	now  time.Time
	r    *rand.Rand
}

func (g *gen) currency() string {
	if g.site == SiteIntl {
		return "USD"
	}
	return "CNY"
}

// price converts a China-site price in fen (CNY cents) to the site's currency.
func (g *gen) price(fen int64) decimal.Decimal {
	d := decimal.New(fen, -2)
	if g.site == SiteIntl {
		d = d.Div(decimal.NewFromInt(7)).Round(2)
	}
	return d
}

const (
	alnumUpper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	alnum      = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

func (g *gen) chars(set string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = set[g.r.IntN(len(set))]
	}
	return string(b)
}

func (g *gen) hex32() string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], g.r.Uint64())
	binary.BigEndian.PutUint64(b[8:], g.r.Uint64())
	return hex.EncodeToString(b[:])
}

func (g *gen) uuid() string {
	h := g.hex32()
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (g *gen) pick(xs []string) string { return xs[g.r.IntN(len(xs))] }

// days returns now moved by d days less an hour, so "expires within d days of Now" includes it.
func (g *gen) inDays(d int) time.Time {
	if d > 0 {
		return g.now.Add(time.Duration(d)*24*time.Hour - time.Hour)
	}
	return g.now.Add(time.Duration(d) * 24 * time.Hour)
}

// endOfDay is 23:59:59 Beijing time d days from now: when yearly/monthly resources expire.
func (g *gen) endOfDay(d int) time.Time {
	t := g.now.AddDate(0, 0, d)
	return time.Date(t.Year(), t.Month(), t.Day(), 15, 59, 59, 0, time.UTC)
}

func (g *gen) partner() Partner {
	id := g.hex32()
	name := "华云智联科技有限公司"
	if g.site == SiteIntl {
		name = "Harbour Cloud Partners Pte. Ltd."
	}
	return Partner{ID: id, DomainID: id, Name: name, AK: g.chars(alnumUpper, 20), SK: g.chars(alnum, 40), Currency: g.currency()}
}

func (g *gen) partnerAccounts() []PartnerAccount {
	cur := g.currency()
	cash := g.price(int64(5_000_000 + g.r.IntN(45_000_000)))
	return []PartnerAccount{
		{AccountID: "BA" + g.hex32()[:18], Type: AccountCash, Amount: cash, DesignatedAmount: decimal.Zero, Currency: cur},
		{AccountID: "BA" + g.hex32()[:18], Type: AccountCredit, Amount: g.price(8_000_000), CreditAmount: g.price(10_000_000), Currency: cur},
		{AccountID: "BA" + g.hex32()[:18], Type: AccountAllocatable, Amount: g.price(int64(20_000_000 + g.r.IntN(10_000_000))), Currency: cur},
	}
}

func (g *gen) names() (test, partnerVoucher, partnerCash, issued, activity string) {
	if g.site == SiteIntl {
		return "Cloud Solution Test Coupon", "Partner Incentive Voucher", "Partner Cash Coupon", "Partner Voucher", "New Customer Promotion Coupon"
	}
	return "云软件方案测试券", "伙伴激励代金券", "伙伴现金券", "伙伴代金券", "新用户活动代金券"
}

// partnerCoupons are the partner's own coupons: test coupons valid three months that expire 1, 7, 30
// and 90 days from now, one expired and one used, plus ordinary vouchers and cash coupons.
func (g *gen) partnerCoupons(partnerID string) []*Coupon {
	testName, voucherName, cashName, _, _ := g.names()
	var out []*Coupon
	add := func(name string, test bool, typ, status int, face int64, expire time.Time) {
		effective := expire.AddDate(0, -3, 0)
		if !test {
			effective = expire.AddDate(-1, 0, 0)
		}
		c := &Coupon{
			ID: "CP" + g.hex32()[:22], Code: g.chars(alnumUpper, 16), OwnerID: partnerID, Type: typ, Status: status,
			FaceValue: g.price(face), Balance: g.price(face), Currency: g.currency(),
			PlanID: "PP" + g.hex32()[:14], PlanName: name, PlanDesc: name, SourceID: "huawei", Test: test, Version: 2,
			CreateTime: effective, EffectiveTime: effective, ExpireTime: expire, ActiveTime: effective,
		}
		if status == CouponUsed {
			c.Balance = decimal.Zero
		}
		out = append(out, c)
	}
	for _, d := range []int{1, 7, 30, 90} {
		add(testName, true, 1, CouponUsable, 500_000, g.inDays(d))
	}
	add(testName, true, 1, CouponExpired, 500_000, g.inDays(-5))
	add(testName, true, 1, CouponUsed, 100_000, g.inDays(20))
	add(voucherName, false, 1, CouponUsable, 200_000, g.inDays(45))
	add(voucherName, false, 1, CouponExpired, 200_000, g.inDays(-40))
	add(cashName, false, 4, CouponUsable, 1_000_000, g.inDays(200))
	return out
}

func (g *gen) quotas() []*Quota {
	spec := []struct {
		typ, status  int
		value, spent int64 // fen
		expireDays   int
	}{
		{0, QuotaNormal, 10_000_000, 3_650_000, 180},
		{1, QuotaNormal, 5_000_000, 3_800_000, 25},
		{0, QuotaNormal, 2_000_000, 0, 6},
		{0, QuotaInvalid, 3_000_000, 3_000_000, -30},
		{1, QuotaAdjusting, 1_000_000, 200_000, 90},
		{0, QuotaFrozen, 500_000, 0, 60},
		{1, QuotaInvalid, 800_000, 100_000, -100},
	}
	out := make([]*Quota, len(spec))
	for i, q := range spec {
		expire := g.inDays(q.expireDays)
		created := expire.AddDate(-1, 0, 0)
		out[i] = &Quota{
			ID: "QT" + g.hex32()[:20], Type: q.typ, Status: q.status,
			Value: g.price(q.value), Balance: g.price(q.value - q.spent), Currency: g.currency(),
			CreateTime: created, LastUpdateTime: created.AddDate(0, 1, 0), EffectiveTime: created, ExpireTime: expire,
		}
	}
	return out
}

var (
	cnCities   = []string{"北京", "上海", "深圳", "杭州", "成都", "南京", "武汉", "广州", "西安", "苏州"}
	cnWords    = []string{"云帆", "星河", "智联", "汇通", "启明", "华信", "博远", "鼎盛", "数安", "青禾", "长风", "恒泰"}
	cnSuffixes = []string{"科技有限公司", "信息技术有限公司", "网络科技有限公司", "软件有限公司", "数据服务有限公司"}
	enWords    = []string{"Acme", "Blue Harbor", "Northwind", "Contoso", "Lumen", "Orchid", "Atlas", "Kestrel", "Meridian", "Sable"}
	enMiddles  = []string{"Labs", "Systems", "Digital", "Cloud", "Analytics", "Trading"}
	enSuffixes = []string{"Pte. Ltd.", "Ltd.", "GmbH", "Sdn. Bhd.", "Inc."}
	cnLabels   = []string{"", "", "VIP", "教育", "游戏", "电商", "政企"}
	enLabels   = []string{"", "", "VIP", "Gaming", "Retail", "Education"}
	cnRegions  = []string{"cn-north-4", "cn-east-3", "cn-south-1"}
	intlRegion = []string{"ap-southeast-1", "ap-southeast-3", "af-south-1"}
)

// balance spreads customers over the thresholds alerts use: some in debt or at zero, some below 100,
// 1,000 and 10,000, and half above.
func (g *gen) balance() decimal.Decimal {
	cents := int64(g.r.IntN(100))
	var units int64
	switch u := g.r.Float64(); {
	case u < 0.05:
		return decimal.New(-(int64(1+g.r.IntN(5000))*100 + cents), -2)
	case u < 0.08:
		return decimal.Zero
	case u < 0.18:
		units = int64(g.r.IntN(100))
	case u < 0.33:
		units = int64(100 + g.r.IntN(900))
	case u < 0.53:
		units = int64(1000 + g.r.IntN(9000))
	default:
		units = int64(10_000 + g.r.IntN(490_000))
	}
	return decimal.New(units*100+cents, -2)
}

func (g *gen) customer(i int, partnerID string) *customer {
	id := g.hex32()
	var name, label string
	if g.site == SiteIntl {
		name = g.pick(enWords) + " " + g.pick(enMiddles) + " " + g.pick(enSuffixes)
		label = g.pick(enLabels)
	} else {
		name = g.pick(cnCities) + g.pick(cnWords) + g.pick(cnSuffixes)
		label = g.pick(cnLabels)
	}
	c := &customer{
		Customer: Customer{
			ID: id, DomainID: id, AccountName: fmt.Sprintf("cust-%05d", i+1), Name: name,
			AK: g.chars(alnumUpper, 20), SK: g.chars(alnum, 40),
			Reseller: g.r.Float64() < 0.75, Balance: g.balance(), Currency: g.currency(), Label: label,
			AssociatedOn: g.now.AddDate(0, 0, -1-g.r.IntN(1000)),
		},
		priceFactor: decimal.NewFromInt(1),
	}
	c.discounts = g.discounts()
	c.resources = g.resources(id)
	c.coupons = g.customerCoupons(id, partnerID, c.Reseller)
	if g.site == SiteIntl {
		for range g.r.IntN(3) {
			c.invoices = append(c.invoices, g.invoice(id, InvoiceStates[g.r.IntN(len(InvoiceStates))]))
		}
		byApplyTime(c.invoices)
	}
	return c
}

func (g *gen) discounts() []discount {
	var out []discount
	rate := func(lo, hi int) decimal.Decimal { return decimal.New(int64(lo+g.r.IntN(hi-lo+1)), -2) }
	if g.r.Float64() < 0.6 {
		out = append(out, discount{id: "DS" + g.hex32()[:14], typ: 607, name: g.label("伙伴设置折扣", "Partner-set discount"), off: rate(3, 10)})
	}
	if g.r.Float64() < 0.3 {
		out = append(out, discount{id: "DS" + g.hex32()[:14], typ: 605, name: g.label("商务授权折扣", "Commercial discount"), off: rate(5, 15)})
	}
	if g.r.Float64() < 0.15 {
		out = append(out, discount{id: "DS" + g.hex32()[:14], typ: 606, name: g.label("伙伴授予折扣", "Partner-granted discount"), off: rate(2, 12)})
	}
	return out
}

func (g *gen) label(cn, intl string) string {
	if g.site == SiteIntl {
		return intl
	}
	return cn
}

// product is a main resource type and the parts attached to it; prices are China-site fen per month.
type product struct {
	svc, svcCN, svcEN, typ, typCN, typEN, prefix string
	specs                                        []spec
	parts                                        []partSpec
}

type spec struct {
	code, desc string
	fen        int64
}

type partSpec struct {
	svc, svcCN, svcEN, typ, typCN, typEN, spec, desc string
	size                                             int64
	measure                                          int
	fen                                              int64
}

var catalog = []product{
	{svc: "hws.service.type.ec2", svcCN: "弹性云服务器", svcEN: "Elastic Cloud Server", typ: "hws.resource.type.vm", typCN: "云主机", typEN: "Cloud Server", prefix: "ecs",
		specs: []spec{{"s6.large.2.linux", "2vCPUs | 4GiB | s6.large.2 | Linux", 20700}, {"c7.xlarge.2.linux", "4vCPUs | 8GiB | c7.xlarge.2 | Linux", 48900}, {"m6.2xlarge.8.linux", "8vCPUs | 64GiB | m6.2xlarge.8 | Linux", 147300}},
		parts: []partSpec{
			{"hws.service.type.ebs", "云硬盘", "Elastic Volume Service", "hws.resource.type.volume", "云硬盘", "Disk", "SSD", "SSD 40GB", 40, 17, 2800},
			{"hws.service.type.ebs", "云硬盘", "Elastic Volume Service", "hws.resource.type.volume", "云硬盘", "Disk", "SAS", "High I/O 200GB", 200, 17, 7000},
			{"hws.service.type.vpc", "虚拟私有云", "Virtual Private Cloud", "hws.resource.type.bandwidth", "带宽", "Bandwidth", "19_bgp", "5 Mbit/s", 5, 15, 11500},
		}},
	{svc: "hws.service.type.rds", svcCN: "云数据库RDS", svcEN: "Relational Database Service", typ: "hws.resource.type.rds.vm", typCN: "数据库实例", typEN: "DB Instance", prefix: "rds",
		specs: []spec{{"rds.mysql.n1.large.2.ha", "MySQL 8.0 | HA | 2vCPUs | 4GiB", 104000}, {"rds.pg.n1.xlarge.4.ha", "PostgreSQL 14 | HA | 4vCPUs | 16GiB", 289000}},
		parts: []partSpec{
			{"hws.service.type.rds", "云数据库RDS", "Relational Database Service", "hws.resource.type.rds.volume", "数据库存储", "DB Storage", "ULTRAHIGH", "SSD 100GB", 100, 17, 8000},
		}},
	{svc: "hws.service.type.dcs", svcCN: "分布式缓存服务", svcEN: "Distributed Cache Service", typ: "hws.resource.type.dcs", typCN: "缓存实例", typEN: "Cache Instance", prefix: "dcs",
		specs: []spec{{"redis.ha.xu1.large.r2.2", "Redis 6.0 | Master/Standby | 2GB", 28800}}},
	{svc: "hws.service.type.obs", svcCN: "对象存储服务", svcEN: "Object Storage Service", typ: "hws.resource.type.obs.package", typCN: "存储包", typEN: "Storage Package", prefix: "obs",
		specs: []spec{{"obs.package.standard.1tb", "Standard storage package 1TB", 9900}}},
}

func (g *gen) resources(customerID string) []*Resource {
	regions := cnRegions
	if g.site == SiteIntl {
		regions = intlRegion
	}
	projects := make([]string, len(regions))
	for i := range projects {
		projects[i] = g.hex32()
	}
	var out []*Resource
	for range g.r.IntN(5) {
		var p product
		switch u := g.r.Float64(); {
		case u < 0.5:
			p = catalog[0]
		case u < 0.7:
			p = catalog[1]
		case u < 0.85:
			p = catalog[2]
		default:
			p = catalog[3]
		}
		sp := p.specs[g.r.IntN(len(p.specs))]
		ri := g.r.IntN(len(regions))
		var days int
		status := StatusInUse
		switch u := g.r.Float64(); {
		case u < 0.08:
			days = -1 - g.r.IntN(30)
			status = StatusExpired
			if days < -15 && g.r.IntN(2) == 0 {
				status = StatusClosed
			}
		case u < 0.18:
			days = 1 + g.r.IntN(7)
		case u < 0.33:
			days = 8 + g.r.IntN(23)
		default:
			days = 31 + g.r.IntN(300)
		}
		if status == StatusInUse && g.r.Float64() < 0.04 {
			status = StatusFrozen
		}
		policy := g.policy()
		expire := g.endOfDay(days)
		// Monthly subscriptions only for what expires within a month, so every resource is already active.
		effective := expire.AddDate(-1, 0, 0)
		if days <= 28 && g.r.IntN(2) == 0 {
			effective = expire.AddDate(0, -1, 0)
		}
		short := g.hex32()[:4]
		main := &Resource{
			InstanceID: g.hex32(), ResourceID: g.uuid(), CustomerID: customerID, Name: p.prefix + "-" + short,
			RegionCode: regions[ri], ServiceTypeCode: p.svc, ServiceTypeName: g.label(p.svcCN, p.svcEN),
			ResourceTypeCode: p.typ, ResourceTypeName: g.label(p.typCN, p.typEN), SpecCode: sp.code, SpecDesc: sp.desc,
			SpecSize: decimal.Zero, ProjectID: projects[ri], ProductID: "OFFI" + g.hex32()[:12], Main: true,
			Status: status, ExpirePolicy: policy, EffectiveTime: effective, ExpireTime: expire, UpdateTime: effective,
			MonthlyPrice: g.price(sp.fen),
		}
		out = append(out, main)
		for pi, ps := range p.parts {
			// ECS always has its system disk; other parts come and go.
			if pi > 0 && g.r.IntN(2) == 0 {
				continue
			}
			out = append(out, &Resource{
				InstanceID: g.hex32(), ResourceID: g.uuid(), CustomerID: customerID, Name: fmt.Sprintf("%s-%s-%d", main.Name, ps.spec, pi),
				RegionCode: main.RegionCode, ServiceTypeCode: ps.svc, ServiceTypeName: g.label(ps.svcCN, ps.svcEN),
				ResourceTypeCode: ps.typ, ResourceTypeName: g.label(ps.typCN, ps.typEN), SpecCode: ps.spec, SpecDesc: ps.desc,
				SpecSize: decimal.NewFromInt(ps.size), SpecSizeMeasure: ps.measure, ProjectID: main.ProjectID,
				ProductID: "OFFI" + g.hex32()[:12], ParentID: main.ResourceID, Status: status, ExpirePolicy: policy,
				EffectiveTime: effective, ExpireTime: expire, UpdateTime: effective, MonthlyPrice: g.price(ps.fen),
			})
		}
	}
	return out
}

// policy draws an expire_policy; every value occurs, auto-renew (3) in about a quarter of resources.
func (g *gen) policy() int {
	switch u := g.r.Float64(); {
	case u < 0.35:
		return PolicyGracePeriod
	case u < 0.40:
		return PolicyToOnDemand
	case u < 0.50:
		return PolicyDelete
	case u < 0.75:
		return PolicyAutoRenew
	case u < 0.85:
		return PolicyFreeze
	default:
		return PolicyDeleteRetention
	}
}

var couponExpiryDays = []int{1, 7, 30, 90, -10}

func (g *gen) customerCoupons(customerID, partnerID string, reseller bool) []*Coupon {
	_, _, _, issuedName, activityName := g.names()
	var out []*Coupon
	for range g.r.IntN(4) {
		d := couponExpiryDays[g.r.IntN(len(couponExpiryDays))]
		status := CouponExpired
		if d > 0 {
			switch u := g.r.Float64(); {
			case u < 0.70:
				status = CouponUsable
			case u < 0.80:
				status = CouponInactive
			case u < 0.95:
				status = CouponUsed
			default:
				status = CouponReclaimed
			}
		}
		typ := 1
		if g.r.Float64() < 0.3 {
			typ = 4
		}
		face := g.price([]int64{10_000, 20_000, 50_000, 100_000, 200_000, 500_000}[g.r.IntN(6)])
		version := 1 + g.r.IntN(2)
		balance := face
		switch {
		case status == CouponUsed:
			balance = decimal.Zero
		case version == 2 && status == CouponUsable:
			balance = face.Mul(decimal.New(int64(10+g.r.IntN(91)), -2)).Round(2)
		}
		source, plan := partnerID, issuedName
		if !reseller || g.r.Float64() < 0.1 {
			source, plan = "ACT"+g.hex32()[:10], activityName
		}
		expire := g.inDays(d)
		created := expire.AddDate(0, -6, 0)
		c := &Coupon{
			ID: "CP" + g.hex32()[:22], Code: g.chars(alnumUpper, 16), OwnerID: customerID, Type: typ, Status: status,
			FaceValue: face, Balance: balance, Currency: g.currency(), PlanID: "PP" + g.hex32()[:14], PlanName: plan, PlanDesc: plan,
			SourceID: source, Version: version, CreateTime: created, EffectiveTime: created, ExpireTime: expire,
		}
		if status != CouponInactive {
			c.ActiveTime = created
		}
		if status == CouponUsed {
			c.OrderID = "CS" + g.chars(alnumUpper, 15)
		}
		out = append(out, c)
	}
	return out
}

// partnerInvoices gives the partner one invoice request in every invoiceState and a few more.
func (g *gen) partnerInvoices(domainID string) []*Invoice {
	var out []*Invoice
	for _, st := range InvoiceStates {
		out = append(out, g.invoice(domainID, st))
	}
	for range 8 {
		out = append(out, g.invoice(domainID, 8))
	}
	return append(out, g.liveInvoices(domainID, out[len(out)-1])...)
}

func (g *gen) invoice(domainID string, state int) *Invoice {
	amount := g.invoiceAmount()
	applied := g.now.Add(-time.Duration(1+g.r.IntN(180*24)) * time.Hour)
	inv := &Invoice{
		RequestID: "IR" + g.chars(alnumUpper, 18), DomainID: domainID, Title: g.pick(enWords) + " " + g.pick(enSuffixes),
		TitleType: 1, Type: 1, Method: g.r.IntN(3), Class: g.r.IntN(2), State: state, Amount: amount,
		TaxRate: "0.07", TaxAmount: amount.Mul(decimal.New(7, -2)).Round(2), ApplyTime: applied,
		TradeType: []int{3, 4, 5, 6, 7, 8, 10}[g.r.IntN(7)], BillCycle: applied.AddDate(0, -1, 0).Format("2006-01"),
		Email: "finance@example.com", RequestMode: "0", ApplyForm: g.r.IntN(applyForms),
	}
	if state == 8 {
		inv.InvoiceNo = "INV" + g.chars("0123456789", 10)
	}
	if state == 9 || state >= 13 {
		inv.RequestMode = "1"
	}
	return inv
}
