package sandbox

// Wire shapes of ListInvoices (services/bssintl/v2/model: InvoiceRequestInfoIntl, TaxInfo); the keys
// are camelCase on this API only.

type taxInfo struct {
	TaxClass          string      `json:"taxClass"`
	TaxRate           string      `json:"taxRate"`
	SubTaxClass       string      `json:"subTaxClass"`
	TaxAmount         *amountJSON `json:"taxAmount"`
	TaxVisibleFlag    string      `json:"taxVisibleFlag"`
	TaxAccountingFlag string      `json:"taxAccountingFlag"`
}

type invoiceInfo struct {
	RequestID     string      `json:"requestId"`
	TitleType     int         `json:"titleType"`
	ChannelType   int         `json:"channelType"`
	InvoiceType   int         `json:"invoiceType"`
	InvoiceTitle  string      `json:"invoiceTitle"`
	InvoiceAmount *amountJSON `json:"invoiceAmount"`
	InvoiceMethod int         `json:"invoiceMethod"`
	InvoiceClass  int         `json:"invoiceClass"`
	InvoiceState  int         `json:"invoiceState"`
	ApplyOpera    string      `json:"applyOpera"`
	ApplyTime     string      `json:"applyTime"`
	InvoiceMode   string      `json:"invoiceMode"`
	Email         string      `json:"email"`
	RequestMode   string      `json:"requestMode"`
	InvoiceNo     string      `json:"invoiceNo,omitempty"`
	CancelReason  string      `json:"cancelReason,omitempty"`
	SrcRequestID  string      `json:"srcRequestId,omitempty"`
	TradeType     int         `json:"tradeType"`
	BillCycle     string      `json:"billCycle"`
	TaxList       []taxInfo   `json:"taxList"`
}

type listInvoicesResponse struct {
	Count    int           `json:"count"`
	Invoices []invoiceInfo `json:"invoices"`
}

// Paging of ListInvoices: offset is a page number.
const (
	maxInvoicePage  = 99999
	maxInvoiceLimit = 100
)

func (s *Server) listInvoices(c *call) (any, *apiError) {
	// The path's domain id must be the caller's own account.
	if c.pathDomain != c.p.domainID {
		return nil, errDenied
	}
	q := newQuery(c.r)
	if !q.v.Has("start_time") || !q.v.Has("end_time") || !q.v.Has("offset") || !q.v.Has("limit") {
		return nil, badRequest("start_time, end_time, offset and limit are required")
	}
	start, end := q.time("start_time"), q.time("end_time")
	page := q.num("offset", 1, 1, maxInvoicePage)
	limit := q.num("limit", 10, 1, maxInvoiceLimit)
	if q.err != nil {
		return nil, q.err
	}
	if start == nil || end == nil {
		return nil, badRequest("start_time and end_time are required")
	}
	if end.Before(*start) {
		return nil, badRequest("end_time is before start_time")
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	src := s.w.partnerInvoices
	if c.p.kind == kindCustomer {
		src = s.w.byID[c.p.customerID].invoices
	}
	// Requests are kept latest first, so the window is one run of them, and only the page asked
	// for is brought to the business clock.
	all := inWindow(src, *start, *end)
	at := s.now()
	out := listInvoicesResponse{Count: len(all), Invoices: []invoiceInfo{}}
	offset := (page - 1) * limit
	for _, p := range pageOf(all, offset, limit) {
		inv := p.asOf(at)
		out.Invoices = append(out.Invoices, invoiceInfo{
			RequestID: inv.RequestID, TitleType: inv.TitleType, InvoiceType: inv.Type, InvoiceTitle: inv.Title,
			InvoiceAmount: amt(inv.Amount), InvoiceMethod: inv.Method, InvoiceClass: inv.Class, InvoiceState: inv.State,
			ApplyOpera: inv.Email, ApplyTime: applyTimeText(inv.ApplyTime, inv.ApplyForm), InvoiceMode: "1", Email: inv.Email, RequestMode: inv.RequestMode,
			InvoiceNo: inv.InvoiceNo, CancelReason: inv.CancelReason, SrcRequestID: inv.SrcRequestID, TradeType: inv.TradeType, BillCycle: inv.BillCycle,
			TaxList: []taxInfo{{TaxClass: "VAT", TaxRate: inv.TaxRate, SubTaxClass: "GST", TaxAmount: amt(inv.TaxAmount), TaxVisibleFlag: "Y", TaxAccountingFlag: "Y"}},
		})
	}
	return out, nil
}
