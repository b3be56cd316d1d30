package capture

import "strings"

// Match reports whether an expanded key fits a key pattern with
// {placeholders}, and returns the placeholder values in order:
// Match(KeyComputeUsages, "arm/subscriptions/s1/locations/westeurope/usages")
// gives ["s1", "westeurope"], true.
func Match(pattern, key string) ([]string, bool) {
	ps := strings.Split(pattern, "/")
	ks := strings.Split(key, "/")
	if len(ps) != len(ks) {
		return nil, false
	}
	var values []string
	for i, p := range ps {
		if strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			values = append(values, ks[i])
			continue
		}
		if p != ks[i] {
			return nil, false
		}
	}
	return values, true
}

// Matching returns the datasets whose keys fit pattern, in key order.
func (c *Capture) Matching(pattern string) []*Dataset {
	var out []*Dataset
	for _, k := range c.Keys() {
		if _, ok := Match(pattern, k); ok {
			out = append(out, c.Datasets[k])
		}
	}
	return out
}

// Add stores ds under its key, creating the map on first use.
func (c *Capture) Add(ds *Dataset) {
	if c.Datasets == nil {
		c.Datasets = map[string]*Dataset{}
	}
	c.Datasets[ds.Key] = ds
}
