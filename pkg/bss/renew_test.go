package bss

import (
	"fmt"
	"testing"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

// tied returns best offers of equal amount, one per discount type, and a lower offer that BSS did
// not mark best (which must not win).
func tied(types ...int32) *[]cnmodel.OptionalDiscountRatingResultV2 {
	out := []cnmodel.OptionalDiscountRatingResultV2{{Amount: ptr("120.00"), BestOffer: ptr(int32(0)), DiscountType: ptr(int32(607))}}
	for _, typ := range types {
		out = append(out, cnmodel.OptionalDiscountRatingResultV2{Amount: ptr("140.00"), BestOffer: ptr(int32(1)),
			DiscountName: ptr(fmt.Sprintf("type %d", typ)), DiscountType: ptr(typ)})
	}
	return &out
}

func TestQuoteOf(t *testing.T) {
	cny := func(s string) money.Amount { return money.MustParse(s, "CNY") }
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
	inquiry := &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("100.50")}, {ResourceId: ptr("r2"), Amount: ptr("49.50")}}
	tests := []struct {
		name string
		site Site
		ids  []string // requested; r1 and r2 when nil
		resp cnmodel.ListRenewRateOnPeriodResponse
		want RenewQuote
		err  bool
	}{
		{
			name: "best offer wins over the plain sum",
			site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{
				RenewInquiryResults:         inquiry,
				OfficialWebsiteRatingResult: &cnmodel.OfficialWebsiteRatingResultV2{OfficialWebsiteAmount: ptr("200.00")},
				OptionalDiscountRatingResults: &[]cnmodel.OptionalDiscountRatingResultV2{
					{Amount: ptr("170.00"), DiscountAmount: ptr("30.00"), BestOffer: ptr(int32(0)), DiscountName: ptr("other")},
					{Amount: ptr("150.00"), DiscountAmount: ptr("50.00"), BestOffer: ptr(int32(1)), DiscountName: ptr("contract"), DiscountType: ptr(int32(605))},
				},
			},
			want: RenewQuote{Amount: cny("150.00"), Official: cny("200.00"), Discount: cny("50.00"), DiscountName: "contract", DiscountType: 605,
				Resources: []ResourcePrice{{"r1", cny("100.50")}, {"r2", cny("49.50")}}},
		},
		{
			name: "no best offer: sum of inquiries, discount from official",
			site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{Currency: ptr("CNY"), RenewInquiryResults: inquiry,
				OfficialWebsiteRatingResult: &cnmodel.OfficialWebsiteRatingResultV2{OfficialWebsiteAmount: ptr("180")}},
			want: RenewQuote{Amount: cny("150.00"), Official: cny("180"), Discount: cny("30.00"),
				Resources: []ResourcePrice{{"r1", cny("100.50")}, {"r2", cny("49.50")}}},
		},
		{
			name: "no official price: official is the amount",
			site: International,
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry},
			want: RenewQuote{Amount: usd("150.00"), Official: usd("150.00"), Discount: usd("0"),
				Resources: []ResourcePrice{{"r1", usd("100.50")}, {"r2", usd("49.50")}}},
		},
		{
			name: "failures are data",
			site: China,
			ids:  []string{"r1", "r2"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{
				RenewInquiryResults: &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("10")}},
				FailResourceInfos:   &[]cnmodel.FailResourceInfo{{ResourceId: ptr("r2"), ErrorCode: ptr("CBC.30050009"), ErrorMsg: ptr("gone")}},
			},
			want: RenewQuote{Amount: cny("10"), Official: cny("10"), Discount: cny("0"),
				Resources: []ResourcePrice{{"r1", cny("10")}}, Failures: []ResourceFailure{{"r2", "CBC.30050009", "gone"}}},
		},
		{
			name: "amount that is not a decimal",
			site: China,
			ids:  []string{"r1"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("1,000")}}},
			err:  true,
		},
		{
			name: "tie between best offers goes to the Huawei contract discount",
			site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry, OptionalDiscountRatingResults: tied(607, 606, 605)},
			want: RenewQuote{Amount: cny("140.00"), Official: cny("140.00"), Discount: cny("0"), DiscountName: "type 605", DiscountType: 605,
				Resources: []ResourcePrice{{"r1", cny("100.50")}, {"r2", cny("49.50")}}},
		},
		{
			name: "tie without 605 goes to 606 before 607",
			site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry, OptionalDiscountRatingResults: tied(607, 606)},
			want: RenewQuote{Amount: cny("140.00"), Official: cny("140.00"), Discount: cny("0"), DiscountName: "type 606", DiscountType: 606,
				Resources: []ResourcePrice{{"r1", cny("100.50")}, {"r2", cny("49.50")}}},
		},
		{
			name: "every resource refused: failures only, no amount made up",
			site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{FailResourceInfos: &[]cnmodel.FailResourceInfo{
				{ResourceId: ptr("r1"), ErrorCode: ptr("CBC.30050009")}, {ResourceId: ptr("r2"), ErrorCode: ptr("CBC.30050010")}}},
			want: RenewQuote{Failures: []ResourceFailure{{"r1", "CBC.30050009", ""}, {"r2", "CBC.30050010", ""}}},
		},
		{name: "empty answer", site: China, resp: cnmodel.ListRenewRateOnPeriodResponse{}, err: true},
		{name: "a requested id neither priced nor refused", site: China, ids: []string{"r1", "r2", "r3"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry}, err: true},
		{name: "a price of zero", site: China, ids: []string{"r1"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("0.00")}}}, err: true},
		{name: "a price without amount", site: China, ids: []string{"r1"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1")}}}, err: true},
		{name: "an id not asked for", site: China, ids: []string{"r1"}, resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry}, err: true},
		{name: "an id priced and refused", site: China, ids: []string{"r1", "r2"},
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry,
				FailResourceInfos: &[]cnmodel.FailResourceInfo{{ResourceId: ptr("r2"), ErrorCode: ptr("CBC.30050009")}}}, err: true},
		{name: "best offer without amount", site: China,
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: inquiry,
				OptionalDiscountRatingResults: &[]cnmodel.OptionalDiscountRatingResultV2{{BestOffer: ptr(int32(1)), DiscountType: ptr(int32(605))}}}, err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{profile: Profile{Site: tt.site}}
			ids := tt.ids
			if ids == nil {
				ids = []string{"r1", "r2"}
			}
			got, err := c.quoteOf(ids, &tt.resp)
			if tt.err {
				if KindOf(err) != Malformed {
					t.Fatalf("err = %v, want malformed", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b decimal.Decimal) bool { return a.Equal(b) })); diff != "" {
				t.Errorf("quote (-want +got):\n%s", diff)
			}
		})
	}
}
