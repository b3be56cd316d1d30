package enrich

import (
	"fmt"
	"net/netip"
	"strings"
	"unsafe"

	"github.com/mamori-sec/mamori/internal/event"
	"github.com/valyala/fastjson"
)

// tagTable answers which Azure service tag and region an address is in.
type tagTable struct {
	ranges *rangeTable
	infos  []event.IPInfo // indexed by the table's values
	meta   tagsMeta
}

// tagsMeta describes a Service Tags file, for update checks and summaries.
type tagsMeta struct {
	ChangeNumber int64
	Cloud        string
	Tags         int
	Prefixes     int
}

// tagChoice is what is known of one prefix: the tag to report and the
// region, each taken from the best-ranked tag listing the prefix.
type tagChoice struct {
	tag, region         string
	tagRank, regionRank int
}

// rank orders tags listing the same prefix: a service's regional tag says
// most, then the service's global tag, then AzureCloud.<region>, then
// AzureCloud. The region is reported from any regional tag.
func rank(service, region string) int {
	r := 0
	if service != "" {
		r = 2
	}
	if region != "" {
		r++
	}
	return r
}

// parseServiceTags reads Microsoft's "Azure IP Ranges and Service Tags"
// JSON. Every element is checked; an error names the element, so it also
// validates a download for "intel update".
func parseServiceTags(data []byte) (*tagTable, error) {
	var p fastjson.Parser
	v, err := p.ParseBytes(data)
	if err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	var meta tagsMeta
	cn := v.Get("changeNumber")
	if cn == nil || cn.Type() != fastjson.TypeNumber {
		return nil, fmt.Errorf("no numeric changeNumber")
	}
	meta.ChangeNumber = cn.GetInt64()
	meta.Cloud = string(v.GetStringBytes("cloud"))
	if meta.Cloud == "" {
		return nil, fmt.Errorf("no cloud")
	}
	values := v.Get("values")
	if values == nil || values.Type() != fastjson.TypeArray {
		return nil, fmt.Errorf("no values array")
	}
	choices := make(map[netip.Prefix]*tagChoice, 1<<15)
	// One block of choices instead of one allocation per prefix: the file
	// lists tens of thousands, and this runs at every start.
	var block []tagChoice
	for i, tv := range values.GetArray() {
		name := string(tv.GetStringBytes("name"))
		if name == "" {
			return nil, fmt.Errorf("values[%d]: no name", i)
		}
		props := tv.Get("properties")
		prefixes := props.Get("addressPrefixes") // Get on nil is nil
		if prefixes == nil || prefixes.Type() != fastjson.TypeArray {
			return nil, fmt.Errorf("values[%d] (%q): no properties.addressPrefixes array", i, name)
		}
		region := normRegion(string(props.GetStringBytes("region")))
		r := rank(string(props.GetStringBytes("systemService")), region)
		for j, pv := range prefixes.GetArray() {
			s, err := pv.StringBytes()
			if err != nil {
				return nil, fmt.Errorf("values[%d] (%q): addressPrefixes[%d] is not a string", i, name, j)
			}
			// A view of the bytes: ParsePrefix keeps nothing of its input.
			pfx, err := netip.ParsePrefix(unsafe.String(unsafe.SliceData(s), len(s)))
			if err != nil {
				return nil, fmt.Errorf("values[%d] (%q): addressPrefixes[%d]: bad prefix %q", i, name, j, s)
			}
			if len(block) == cap(block) {
				block = make([]tagChoice, 0, 4096)
			}
			block = block[:len(block)+1]
			if !choose(choices, pfx.Masked(), name, region, r, &block[len(block)-1]) {
				block = block[:len(block)-1] // the prefix was known: the slot stays free
			}
			meta.Prefixes++
		}
		meta.Tags++
	}
	t := buildTags(choices)
	t.meta = meta
	return t, nil
}

// choose records tag name for prefix p unless a better-ranked tag has it;
// ties go to the smaller name so the result does not depend on file order.
// A prefix seen first is stored in spare, and choose reports that it used it.
func choose(m map[netip.Prefix]*tagChoice, p netip.Prefix, name, region string, r int, spare *tagChoice) bool {
	c := m[p]
	if c == nil {
		*spare = tagChoice{tag: name, tagRank: r, region: region, regionRank: r}
		m[p] = spare
		return true
	}
	if r > c.tagRank || r == c.tagRank && name < c.tag {
		c.tag, c.tagRank = name, r
	}
	if region != "" && (c.region == "" || r > c.regionRank) {
		c.region, c.regionRank = region, r
	}
	return false
}

// buildTags lays the prefixes into an interval table; a prefix without a
// region of its own takes the region of the nearest enclosing tag that has one.
func buildTags(m map[netip.Prefix]*tagChoice) *tagTable {
	t := &tagTable{}
	index := map[event.IPInfo]int32{}
	intern := func(info event.IPInfo) int32 {
		if i, ok := index[info]; ok {
			return i
		}
		i := int32(len(t.infos))
		t.infos = append(t.infos, info)
		index[info] = i
		return i
	}
	nodes := make([]node, 0, len(m))
	for p, c := range m {
		nodes = append(nodes, node{p, intern(event.IPInfo{ServiceTag: c.tag, Region: c.region, Azure: true})})
	}
	t.ranges = buildRanges(nodes, func(outer, inner int32) int32 {
		in := t.infos[inner]
		if in.Region != "" || t.infos[outer].Region == "" {
			return inner
		}
		in.Region = t.infos[outer].Region
		return intern(in)
	})
	return t
}

// lookup returns the tag facts for a (unmapped, no zone); zero if not Azure.
func (t *tagTable) lookup(a netip.Addr) event.IPInfo {
	if t == nil {
		return event.IPInfo{}
	}
	if i, ok := t.ranges.find(a); ok {
		return t.infos[i]
	}
	return event.IPInfo{}
}

// normRegion lower-cases a region and drops spaces: "East US" -> "eastus".
func normRegion(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, " ", ""))
}
