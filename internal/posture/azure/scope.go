package azure

import (
	"context"
	"slices"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	"github.com/mamori-sec/mamori/internal/posture/capture"
)

// subscriptionIDs reads the subscription list and returns the IDs to read:
// opts.Subscriptions when given, else every subscription of the tenant
// that is not disabled or deleted (their reads would only fail).
func (c *collector) subscriptionIDs(ctx context.Context) ([]string, error) {
	client, err := armsubscriptions.NewClient(c.opts.Credential, c.armOpts)
	if err != nil {
		return nil, err
	}
	var found []string
	c.read(ctx, capture.KeySubscriptions, func(ctx context.Context) error {
		found = found[:0]
		p := client.NewListPager(nil)
		for p.More() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, s := range page.Value {
				if s.SubscriptionID == nil || s.State != nil && (*s.State == armsubscriptions.SubscriptionStateDisabled || *s.State == armsubscriptions.SubscriptionStateDeleted) {
					continue
				}
				if c.opts.TenantID != "" && s.TenantID != nil && !strings.EqualFold(*s.TenantID, c.opts.TenantID) {
					continue
				}
				found = append(found, *s.SubscriptionID)
			}
			if c.probe {
				readingOf(ctx).more = p.More()
				break
			}
		}
		return nil
	})
	if len(c.opts.Subscriptions) > 0 {
		return c.opts.Subscriptions, nil
	}
	return found, nil
}

// regions reads a subscription's locations and returns the regions whose
// usages and quotas to read: opts.Regions when given, else the physical
// regions (logical ones such as "global" have no compute).
func (c *collector) regions(ctx context.Context, sub string) ([]string, error) {
	client, err := armsubscriptions.NewClient(c.opts.Credential, c.armOpts)
	if err != nil {
		return nil, err
	}
	var found []string
	c.read(ctx, capture.KeyLocations, func(ctx context.Context) error {
		found = found[:0]
		p := client.NewListLocationsPager(sub, nil)
		for p.More() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return err
			}
			for _, l := range page.Value {
				if l.Name == nil || l.Metadata == nil || l.Metadata.RegionType == nil || *l.Metadata.RegionType != armsubscriptions.RegionTypePhysical {
					continue
				}
				found = append(found, *l.Name)
			}
		}
		return nil
	}, sub)
	if len(c.opts.Regions) > 0 {
		return c.opts.Regions, nil
	}
	slices.Sort(found)
	return found, nil
}
