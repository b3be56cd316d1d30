package posture

import (
	"encoding/json"
	"strings"
)

// Conditional access policies (Graph v1.0 conditionalAccessPolicy),
// reduced to what the identity checks judge.

func parseCAPolicy(s *Snapshot, _ []string, item json.RawMessage) error {
	var raw struct {
		ID          flexString `json:"id"`
		DisplayName flexString `json:"displayName"`
		State       flexString `json:"state"`
		Conditions  struct {
			Users struct {
				IncludeUsers  flexStrings `json:"includeUsers"`
				ExcludeUsers  flexStrings `json:"excludeUsers"`
				IncludeGroups flexStrings `json:"includeGroups"`
				ExcludeGroups flexStrings `json:"excludeGroups"`
				IncludeRoles  flexStrings `json:"includeRoles"`
				ExcludeRoles  flexStrings `json:"excludeRoles"`
			} `json:"users"`
			Applications struct {
				IncludeApplications flexStrings `json:"includeApplications"`
				ExcludeApplications flexStrings `json:"excludeApplications"`
			} `json:"applications"`
			SignInRiskLevels flexStrings `json:"signInRiskLevels"`
			UserRiskLevels   flexStrings `json:"userRiskLevels"`
			ClientAppTypes   flexStrings `json:"clientAppTypes"`
			Platforms        *struct {
				IncludePlatforms flexStrings `json:"includePlatforms"`
				ExcludePlatforms flexStrings `json:"excludePlatforms"`
			} `json:"platforms"`
			Locations *struct {
				IncludeLocations flexStrings `json:"includeLocations"`
				ExcludeLocations flexStrings `json:"excludeLocations"`
			} `json:"locations"`
			Devices *struct {
				DeviceFilter *struct {
					Rule flexString `json:"rule"`
				} `json:"deviceFilter"`
			} `json:"devices"`
		} `json:"conditions"`
		GrantControls *struct {
			Operator               flexString  `json:"operator"`
			BuiltInControls        flexStrings `json:"builtInControls"`
			AuthenticationStrength *struct {
				ID          flexString `json:"id"`
				DisplayName flexString `json:"displayName"`
			} `json:"authenticationStrength"`
		} `json:"grantControls"`
	}
	err := decodeItem(item, &raw)
	if fatal(err) {
		return err
	}
	c, u := raw.Conditions, raw.Conditions.Users
	p := CAPolicy{
		ID:               string(raw.ID),
		DisplayName:      string(raw.DisplayName),
		State:            string(raw.State),
		IncludeUsers:     lowerAll(u.IncludeUsers),
		ExcludeUsers:     lowerAll(u.ExcludeUsers),
		IncludeGroups:    lowerAll(u.IncludeGroups),
		ExcludeGroups:    lowerAll(u.ExcludeGroups),
		IncludeRoles:     lowerAll(u.IncludeRoles),
		ExcludeRoles:     lowerAll(u.ExcludeRoles),
		IncludeApps:      lowerAll(c.Applications.IncludeApplications),
		ExcludeApps:      lowerAll(c.Applications.ExcludeApplications),
		SignInRiskLevels: lowerAll(c.SignInRiskLevels),
		UserRiskLevels:   lowerAll(c.UserRiskLevels),
	}
	p.Narrowing = narrowing(c.ClientAppTypes, c.Platforms != nil && (!containsFold(c.Platforms.IncludePlatforms, "all") || len(c.Platforms.ExcludePlatforms) > 0),
		c.Locations != nil && (!containsFold(c.Locations.IncludeLocations, "all") || len(c.Locations.ExcludeLocations) > 0),
		c.Devices != nil && c.Devices.DeviceFilter != nil && c.Devices.DeviceFilter.Rule != "")
	if g := raw.GrantControls; g != nil {
		p.Operator = string(g.Operator)
		p.BuiltInControls = g.BuiltInControls
		if a := g.AuthenticationStrength; a != nil {
			p.AuthStrength = string(a.DisplayName)
			if p.AuthStrength == "" {
				p.AuthStrength = string(a.ID)
			}
			if p.AuthStrength == "" {
				p.AuthStrength = "authentication strength"
			}
		}
	}
	s.ConditionalAccess = append(s.ConditionalAccess, p)
	return err
}

// narrowing lists the conditions, other than users and apps, that limit
// when a policy applies: client app types short of "all", a platform,
// location or device filter.
func narrowing(clientApps []string, platforms, locations, devices bool) []string {
	var out []string
	if len(clientApps) > 0 && !containsFold(clientApps, "all") {
		out = append(out, "client apps "+strings.Join(clientApps, ", "))
	}
	if platforms {
		out = append(out, "platforms")
	}
	if locations {
		out = append(out, "locations")
	}
	if devices {
		out = append(out, "device filter")
	}
	return out
}
