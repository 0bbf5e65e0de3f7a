// Command hello is the reference of `bsswatch bench`'s cold starts: a hello-world aws-lambda-go
// function whose handler, like a check reaching its first BSS call, makes one HTTP request (to
// HELLO_URL) and answers "hello". It is built and measured exactly as the functions are.
package main

import (
	"context"
	"net/http"
	"os"

	"github.com/aws/aws-lambda-go/lambda"
)

func main() {
	url := os.Getenv("HELLO_URL")
	lambda.Start(func(ctx context.Context) (string, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return "", err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		resp.Body.Close()
		return "hello", nil
	})
}
