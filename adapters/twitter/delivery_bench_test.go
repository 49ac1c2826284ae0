package twitter

import (
	"os"
	"testing"
)

// BenchmarkParseDelivery decodes a one-DM delivery, as the webhook does
// for each (the duplicate-key check included), and a batch.
//
//	go test ./adapters/twitter -run '^$' -bench BenchmarkParseDelivery -benchmem
func BenchmarkParseDelivery(b *testing.B) {
	for _, name := range []string{"text_dm.json", "photo_dm.json", "batch.json"} {
		body, err := os.ReadFile("testdata/" + name)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ParseDelivery(body); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
