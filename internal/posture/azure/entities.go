package azure

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/managementgroups/armmanagementgroups"
)

// entityPages reads the management group hierarchy (POST
// /providers/Microsoft.Management/getEntities) page by page, each page a
// POST of its own. The service refuses a next page asked with GET (405,
// "The requested resource does not support http method 'GET'",
// Azure/azure-sdk-for-go#19222), and the SDK's pager follows next links
// with GET (armmanagementgroups v1.2.0, as its newest generated code
// still does), so a large tenant's hierarchy ended after its first page.
// The REST reference says a nextLink carries a $skiptoken to start the
// next call from: each page after the first is List again, through the
// SDK, with the previous page's token.
func entityPages(c *collector, client *armmanagementgroups.EntitiesClient) lister {
	return func(ctx context.Context) error {
		// The list is cached by the service; a subscription moved between
		// groups a moment ago must be judged where it is now.
		noCache := "no-cache"
		opts := armmanagementgroups.EntitiesClientListOptions{CacheControl: &noCache}
		for n := 0; ; n++ {
			if err := c.mayRead(ctx, n); err != nil {
				return err
			}
			o := opts
			page, err := client.NewListPager(&o).NextPage(ctx)
			if err != nil {
				return err
			}
			if page.NextLink == nil || *page.NextLink == "" {
				return nil
			}
			token, err := skipToken(*page.NextLink)
			if err != nil {
				return fmt.Errorf("page %d: %w", n+1, err)
			}
			// A token already sent repeats its request's URL, which the
			// capture policy stops as a loop.
			opts.Skiptoken = &token
		}
	}
}

// skipToken returns the $skiptoken a next link carries. The link itself
// stays out of the error: its query is the kind cleanURL drops.
func skipToken(link string) (string, error) {
	u, err := url.Parse(link)
	if err != nil {
		return "", errors.New("the next link is not a URL")
	}
	for k, v := range u.Query() {
		if strings.EqualFold(k, "$skiptoken") && len(v) > 0 && v[0] != "" {
			return v[0], nil
		}
	}
	return "", errors.New("the next link carries no $skiptoken to ask the next page with")
}
