package network

import (
	"fmt"
	"math"
	"math/bits"
	"net/netip"
	"strconv"
	"time"

	"github.com/mamori-sec/mamori/internal/jsonwalk"
	"github.com/mamori-sec/mamori/internal/record"

	"github.com/mamori-sec/mamori/internal/event"
)

// Field counts of flow tuples. NSG version 1 stops after the decision;
// version 2 and VNet flow logs add state (and, for VNet, encryption) and
// packet and byte counts in both directions.
const (
	fieldsV1    = 8
	fieldsV2    = 13
	fieldsVNet  = 13
	maxFields   = 13
	maxUnixMsec = 253402300799999 // 9999-12-31T23:59:59.999Z: later times do not marshal
)

// Normalised flow values. The strings are constants so tuples allocate
// nothing for them.
const (
	protoTCP  = "tcp"
	protoUDP  = "udp"
	protoICMP = "icmp"
	dirIn     = "inbound"
	dirOut    = "outbound"
	actAllow  = "allow"
	actDeny   = "deny"
)

// parseTuple reads one flow tuple into fl and returns the tuple's own
// time. vnet selects the VNet flow log layout (IANA protocol numbers,
// state D for denied); otherwise the NSG layout of version 1 or 2, told
// apart by the field count. s may point into the parser's memory: nothing
// derived from it is kept without a copy.
func parseTuple(s string, vnet bool, fl *event.Flow) (time.Time, error) {
	var f [maxFields]string
	n := splitFields(s, &f)
	switch {
	case vnet && n != fieldsVNet:
		return time.Time{}, fmt.Errorf("%d fields, want %d", n, fieldsVNet)
	case !vnet && n != fieldsV1 && n != fieldsV2:
		return time.Time{}, fmt.Errorf("%d fields, want %d (version 1) or %d (version 2)", n, fieldsV1, fieldsV2)
	}
	t, ok := unixTime(f[0])
	if !ok {
		return time.Time{}, fmt.Errorf("bad time %q", record.Clip(f[0], 48))
	}
	var err error
	if fl.Src, err = parseIP(f[1]); err != nil {
		return time.Time{}, fmt.Errorf("bad source address %q", record.Clip(f[1], 48))
	}
	if fl.Dst, err = parseIP(f[2]); err != nil {
		return time.Time{}, fmt.Errorf("bad destination address %q", record.Clip(f[2], 48))
	}
	if fl.SrcPort, ok = parsePort(f[3]); !ok {
		return time.Time{}, fmt.Errorf("bad source port %q", record.Clip(f[3], 48))
	}
	if fl.DstPort, ok = parsePort(f[4]); !ok {
		return time.Time{}, fmt.Errorf("bad destination port %q", record.Clip(f[4], 48))
	}
	if fl.Protocol, ok = tupleProtocol(f[5]); !ok {
		return time.Time{}, fmt.Errorf("bad protocol %q", record.Clip(f[5], 48))
	}
	switch f[6] {
	case "I":
		fl.Direction = dirIn
	case "O":
		fl.Direction = dirOut
	default:
		return time.Time{}, fmt.Errorf("bad direction %q", record.Clip(f[6], 48))
	}
	if vnet {
		// VNet flow logs have no decision field: a denied flow is state D.
		if fl.State, ok = flowState(f[7], true); !ok {
			return time.Time{}, fmt.Errorf("bad flow state %q", record.Clip(f[7], 48))
		}
		fl.Action = actAllow
		if fl.State == "D" {
			fl.Action = actDeny
		}
	} else {
		switch f[7] {
		case "A":
			fl.Action = actAllow
		case "D":
			fl.Action = actDeny
		default:
			return time.Time{}, fmt.Errorf("bad decision %q", record.Clip(f[7], 48))
		}
		if n == fieldsV2 {
			if fl.State, ok = flowState(f[8], false); !ok {
				return time.Time{}, fmt.Errorf("bad flow state %q", record.Clip(f[8], 48))
			}
		}
	}
	if n == maxFields {
		// Packets and bytes source to destination, then destination to
		// source; empty until the flow has counted something (state B).
		var c [4]int64
		for i := range c {
			if c[i], ok = parseCount(f[9+i]); !ok {
				return time.Time{}, fmt.Errorf("bad count %q", record.Clip(f[9+i], 48))
			}
		}
		fl.Packets = addSat(c[0], c[2])
		fl.Bytes = addSat(c[1], c[3])
	}
	return t, nil
}

// splitFields cuts a comma-separated tuple into f without allocating and
// returns the number of fields, which may exceed len(f) (the excess is
// counted, not stored). It looks at eight bytes at a time: a flow log is
// a tuple per flow, and a byte at a time this was a tenth of its hunt.
func splitFields(s string, f *[maxFields]string) int {
	n, start, i := 0, 0, 0
	for ; i+8 <= len(s); i += 8 {
		for m := jsonwalk.MatchBytes(le64(s[i:i+8]), ','); m != 0; m &= m - 1 {
			at := i + bits.TrailingZeros64(m)>>3
			if n < len(f) {
				f[n] = s[start:at]
			}
			n++
			start = at + 1
		}
	}
	for ; i < len(s); i++ {
		if s[i] != ',' {
			continue
		}
		if n < len(f) {
			f[n] = s[start:i]
		}
		n++
		start = i + 1
	}
	if n < len(f) {
		f[n] = s[start:]
	}
	return n + 1
}

// le64 is the first eight bytes of s as a little-endian word (the
// compiler makes it one load).
func le64(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// digits reads a non-negative decimal of up to 18 digits (no sign, no
// overflow possible), the form of every number in a tuple; longer text
// goes through strconv.
func digits(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if len(s) > 18 {
		v, err := strconv.ParseInt(s, 10, 64)
		return v, err == nil && v >= 0 && s[0] != '+'
	}
	var v int64
	for i := 0; i < len(s); i++ {
		c := s[i] - '0'
		if c > 9 {
			return 0, false
		}
		v = v*10 + int64(c)
	}
	return v, true
}

// unixTime reads Unix seconds (NSG) or milliseconds (VNet), told apart by
// magnitude as record.Time does.
func unixTime(s string) (time.Time, bool) {
	v, ok := digits(s)
	if !ok || v <= 0 || v > maxUnixMsec {
		return time.Time{}, false
	}
	if v > 1e11 { // milliseconds: 1e11 seconds would be the year 5138
		return time.UnixMilli(v).UTC(), true
	}
	return time.Unix(v, 0).UTC(), true
}

// parseIP parses an address, dropping any IPv6 zone.
func parseIP(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}, err
	}
	// Zones name an interface of the logging host, not the peer; a mapped
	// IPv4 address is the IPv4 address for every list it is matched with.
	return a.WithZone("").Unmap(), nil
}

// parsePort reads a port; empty (ICMP) is 0.
func parsePort(s string) (uint16, bool) {
	if s == "" {
		return 0, true
	}
	p, ok := digits(s)
	return uint16(p), ok && p <= 65535
}

// parseCount reads a packet or byte count; empty is 0, negative is bad.
func parseCount(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	return digits(s)
}

// addSat adds two non-negative counts, saturating instead of wrapping.
func addSat(a, b int64) int64 {
	if a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// tupleProtocol normalises the protocol of a tuple: NSG logs write T or U,
// VNet logs the IANA number. Numbers other than TCP, UDP and ICMP are kept
// in decimal (GRE is "47").
func tupleProtocol(s string) (string, bool) {
	switch s {
	case "T":
		return protoTCP, true
	case "U":
		return protoUDP, true
	}
	p, err := strconv.ParseUint(s, 10, 8)
	if err != nil {
		return "", false
	}
	switch p {
	case 6:
		return protoTCP, true
	case 17:
		return protoUDP, true
	case 1, 58: // ICMP and ICMPv6
		return protoICMP, true
	}
	return strconv.FormatUint(p, 10), true
}

// flowState returns the constant for a flow state letter: B begin, C
// continuing, E end, and in VNet logs D denied.
func flowState(s string, vnet bool) (string, bool) {
	switch s {
	case "B":
		return "B", true
	case "C":
		return "C", true
	case "E":
		return "E", true
	case "D":
		return "D", vnet
	}
	return "", false
}
