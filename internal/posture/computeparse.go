package posture

import (
	"encoding/json"
	"strings"
)

// Compute usages and Microsoft.Quota limits.

// rawName is the {"value", "localizedValue"} pair usages and quotas use.
type rawName struct {
	Value          flexString `json:"value"`
	LocalizedValue flexString `json:"localizedValue"`
}

func parseUsage(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name         rawName `json:"name"`
		CurrentValue flexInt `json:"currentValue"`
		Limit        flexInt `json:"limit"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	if raw.Name.Value == "" {
		return errNoID
	}
	sub, region := s.sub(vals[0]), strings.ToLower(vals[1])
	sub.Usages[region] = append(sub.Usages[region], Usage{
		Name: string(raw.Name.Value), Localized: string(raw.Name.LocalizedValue),
		Current: raw.CurrentValue.Value, Limit: raw.Limit.Value,
		CurrentSet: raw.CurrentValue.Set, LimitSet: raw.Limit.Set,
	})
	return err
}

func parseQuota(s *Snapshot, vals []string, item json.RawMessage) error {
	var raw struct {
		Name       flexString `json:"name"`
		Properties struct {
			Limit struct {
				Value flexInt `json:"value"`
			} `json:"limit"`
			Name              rawName  `json:"name"`
			IsQuotaApplicable flexBool `json:"isQuotaApplicable"`
		} `json:"properties"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	p := raw.Properties
	name := string(p.Name.Value)
	if name == "" {
		name = string(raw.Name)
	}
	if name == "" {
		return errNoID
	}
	sub, region := s.sub(vals[0]), strings.ToLower(vals[1])
	sub.Quotas[region] = append(sub.Quotas[region], Quota{
		Name: name, Localized: string(p.Name.LocalizedValue),
		Limit: p.Limit.Value.Value, Applicable: p.IsQuotaApplicable.Value,
	})
	return err
}
