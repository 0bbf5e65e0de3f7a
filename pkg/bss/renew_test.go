package bss

import (
	"testing"

	"github.com/bsswatch/bsswatch/pkg/money"
	"github.com/google/go-cmp/cmp"
	"github.com/shopspring/decimal"

	cnmodel "github.com/huaweicloud/huaweicloud-sdk-go-v3/services/bss/v2/model"
)

func TestQuoteOf(t *testing.T) {
	cny := func(s string) money.Amount { return money.MustParse(s, "CNY") }
	usd := func(s string) money.Amount { return money.MustParse(s, "USD") }
	inquiry := &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("100.50")}, {ResourceId: ptr("r2"), Amount: ptr("49.50")}}
	tests := []struct {
		name string
		site Site
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
			resp: cnmodel.ListRenewRateOnPeriodResponse{RenewInquiryResults: &[]cnmodel.RenewInquiryResultInfo{{ResourceId: ptr("r1"), Amount: ptr("1,000")}}},
			err:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Client{profile: Profile{Site: tt.site}}
			got, err := c.quoteOf(&tt.resp)
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
