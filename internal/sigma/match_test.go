package sigma_test

import (
	"encoding/base64"
	"testing"
	"unicode/utf16"

	"github.com/mamori-sec/mamori/internal/sigma"
)

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func utf16le(s string) string {
	var b []byte
	for _, u := range utf16.Encode([]rune(s)) {
		b = append(b, byte(u), byte(u>>8))
	}
	return string(b)
}

func TestMatch(t *testing.T) {
	t.Parallel()
	placeholders := &sigma.Options{Placeholders: map[string][]string{"Admins": {"root", "adm_*"}}}
	tests := []struct {
		name string
		det  string
		ev   record
		want bool
		opt  *sigma.Options
	}{
		// Plain values, case and wildcards.
		{name: "equality ignores case", det: "sel:\n    Image: 'C:\\Windows\\System32\\whoami.exe'\ncondition: sel",
			ev: record{"Image": str(`c:\windows\system32\WHOAMI.EXE`)}, want: true},
		{name: "equality is the whole value", det: "sel:\n    Image: 'whoami.exe'\ncondition: sel",
			ev: record{"Image": str(`C:\whoami.exe`)}, want: false},
		{name: "absent field does not equal", det: "sel:\n    Image: 'x'\ncondition: sel", ev: record{}, want: false},
		{name: "star in the middle", det: "sel:\n    f: 'prog*.exe'\ncondition: sel", ev: record{"f": str("ProgRAM.exe")}, want: true},
		{name: "star needs the suffix", det: "sel:\n    f: 'prog*.exe'\ncondition: sel", ev: record{"f": str("prog.ex")}, want: false},
		{name: "two stars find literals in order", det: "sel:\n    f: '*a*b*'\ncondition: sel", ev: record{"f": str("xxAyyBzz")}, want: true},
		{name: "two stars reject literals out of order", det: "sel:\n    f: '*b*a*'\ncondition: sel", ev: record{"f": str("xxAyyBzz")}, want: false},
		{name: "question mark is one character", det: "sel:\n    f: 'prog?.exe'\ncondition: sel", ev: record{"f": str("progA.exe")}, want: true},
		{name: "question mark is not two", det: "sel:\n    f: 'prog?.exe'\ncondition: sel", ev: record{"f": str("progAB.exe")}, want: false},
		{name: "question mark is not zero", det: "sel:\n    f: 'prog?.exe'\ncondition: sel", ev: record{"f": str("prog.exe")}, want: false},
		{name: "question mark is one rune", det: "sel:\n    f: 'caf?'\ncondition: sel", ev: record{"f": str("café")}, want: true},
		{name: "star and question mark backtrack", det: "sel:\n    f: '*a?c'\ncondition: sel", ev: record{"f": str("abcabc")}, want: true},
		{name: "escaped star is a star", det: "sel:\n    f: 'a\\*b'\ncondition: sel", ev: record{"f": str("a*b")}, want: true},
		{name: "escaped star is no wildcard", det: "sel:\n    f: 'a\\*b'\ncondition: sel", ev: record{"f": str("axxb")}, want: false},
		{name: "escaped question mark", det: "sel:\n    f: 'what\\?'\ncondition: sel", ev: record{"f": str("whatx")}, want: false},
		{name: "escaped backslash before a wildcard", det: "sel:\n    f: 'C:\\\\*'\ncondition: sel", ev: record{"f": str(`C:\Users\x`)}, want: true},
		{name: "three backslashes and a star are literal", det: "sel:\n    f: 'C:\\\\\\*'\ncondition: sel", ev: record{"f": str(`C:\*`)}, want: true},
		{name: "three backslashes and a star do not glob", det: "sel:\n    f: 'C:\\\\\\*'\ncondition: sel", ev: record{"f": str(`C:\x`)}, want: false},
		{name: "single backslash is literal", det: "sel:\n    f: 'C:\\Windows'\ncondition: sel", ev: record{"f": str(`C:\Windows`)}, want: true},
		{name: "four backslashes are two", det: "sel:\n    f: 'a\\\\\\\\b'\ncondition: sel", ev: record{"f": str(`a\\b`)}, want: true},
		{name: "Unicode letters fold", det: "sel:\n    f: 'ÉCOLE'\ncondition: sel", ev: record{"f": str("école")}, want: true},
		{name: "Kelvin sign folds to k", det: "sel:\n    f|contains: 'kill'\ncondition: sel", ev: record{"f": str("x \u212aILL y")}, want: true},
		{name: "non-ASCII needle on ASCII text misses", det: "sel:\n    f|contains: 'é'\ncondition: sel", ev: record{"f": str("e")}, want: false},
		{name: "cased rejects other case", det: "sel:\n    f|cased: 'Admin'\ncondition: sel", ev: record{"f": str("admin")}, want: false},
		{name: "cased accepts same case", det: "sel:\n    f|cased: 'Admin'\ncondition: sel", ev: record{"f": str("Admin")}, want: true},
		{name: "cased contains", det: "sel:\n    f|contains|cased: 'Admin'\ncondition: sel", ev: record{"f": str("x ADMIN y")}, want: false},

		// Position modifiers and lists.
		{name: "contains", det: "sel:\n    CommandLine|contains: '--DONATE-level'\ncondition: sel",
			ev: record{"CommandLine": str("./xmrig --donate-level=0")}, want: true},
		{name: "startswith", det: "sel:\n    op|startswith: 'MICROSOFT.NETWORK/'\ncondition: sel", ev: record{"op": str("microsoft.network/x/write")}, want: true},
		{name: "startswith rejects elsewhere", det: "sel:\n    op|startswith: 'network/'\ncondition: sel", ev: record{"op": str("microsoft.network/x")}, want: false},
		{name: "endswith", det: "sel:\n    op|endswith: ['/WRITE', '/DELETE']\ncondition: sel", ev: record{"op": str("a/b/delete")}, want: true},
		{name: "list is OR", det: "sel:\n    f: [a, b, c]\ncondition: sel", ev: record{"f": str("B")}, want: true},
		{name: "long list uses the set", det: "sel:\n    f: [aa, bb, cc, dd, ee, ff, gg, 'Ключ']\ncondition: sel", ev: record{"f": str("FF")}, want: true},
		{name: "long list set misses", det: "sel:\n    f: [aa, bb, cc, dd, ee, ff, gg]\ncondition: sel", ev: record{"f": str("hh")}, want: false},
		{name: "long list set folds non-ASCII", det: "sel:\n    f: [aa, bb, cc, dd, ee, ff, gg, 'Ключ']\ncondition: sel", ev: record{"f": str("КЛЮЧ")}, want: true},
		{name: "long list set folds Kelvin", det: "sel:\n    f: [kk, bb, cc, dd, ee, ff, gg]\ncondition: sel", ev: record{"f": str("\u212ak")}, want: true},
		{name: "all needs every value", det: "sel:\n    f|contains|all: ['-a', '-b']\ncondition: sel", ev: record{"f": str("x -b -a")}, want: true},
		{name: "all fails on one missing", det: "sel:\n    f|contains|all: ['-a', '-b']\ncondition: sel", ev: record{"f": str("x -a")}, want: false},
		{name: "map is AND", det: "sel:\n    a: 1\n    b: x\ncondition: sel", ev: record{"a": num(1, "1"), "b": str("y")}, want: false},
		{name: "list of maps is OR", det: "sel:\n    - a: 1\n    - b: x\ncondition: sel", ev: record{"b": str("X")}, want: true},
		{name: "any value of a list field", det: "sel:\n    f: b\ncondition: sel", ev: record{"f": str("a", "b")}, want: true},

		// Types.
		{name: "number equals number", det: "sel:\n    ResultType: 50053\ncondition: sel", ev: record{"ResultType": num(50053, "50053")}, want: true},
		{name: "number equals its string", det: "sel:\n    ResultType: 50053\ncondition: sel", ev: record{"ResultType": str("50053")}, want: true},
		{name: "number equals a numeric string", det: "sel:\n    ResultType: 0\ncondition: sel", ev: record{"ResultType": str(" 0.0")}, want: true},
		{name: "number differs", det: "sel:\n    ResultType: 50053\ncondition: sel", ev: record{"ResultType": str("50054")}, want: false},
		{name: "quoted number equals number text", det: "sel:\n    ResultType: '0'\ncondition: sel", ev: record{"ResultType": num(0, "0")}, want: true},
		{name: "number without text still compares", det: "sel:\n    n|startswith: '12'\ncondition: sel", ev: record{"n": num(123, "")}, want: true},
		{name: "string false equals boolean", det: "sel:\n    DeviceDetail.isCompliant: 'false'\ncondition: sel", ev: record{"DeviceDetail.isCompliant": boolean(false)}, want: true},
		{name: "boolean equals string", det: "sel:\n    b: false\ncondition: sel", ev: record{"b": str("False")}, want: true},
		{name: "boolean differs", det: "sel:\n    b: false\ncondition: sel", ev: record{"b": boolean(true)}, want: false},
		{name: "null matches absent", det: "sel:\n    f: null\ncondition: sel", ev: record{}, want: true},
		{name: "null matches null", det: "sel:\n    f: null\ncondition: sel", ev: record{"f": null()}, want: true},
		{name: "null rejects a value", det: "sel:\n    f: null\ncondition: sel", ev: record{"f": str("")}, want: false},
		{name: "empty string matches empty", det: "sel:\n    f: ''\ncondition: sel", ev: record{"f": str("")}, want: true},
		{name: "empty string rejects absent", det: "sel:\n    f: ''\ncondition: sel", ev: record{}, want: false},
		{name: "empty string rejects null", det: "sel:\n    f: ''\ncondition: sel", ev: record{"f": null()}, want: false},
		{name: "star matches any string", det: "sel:\n    f: '*'\ncondition: sel", ev: record{"f": str("")}, want: true},
		{name: "star rejects null", det: "sel:\n    f: '*'\ncondition: sel", ev: record{"f": null()}, want: false},
		{name: "exists true on present null", det: "sel:\n    f|exists: true\ncondition: sel", ev: record{"f": null()}, want: true},
		{name: "exists true on absent", det: "sel:\n    f|exists: true\ncondition: sel", ev: record{}, want: false},
		{name: "exists false on absent", det: "sel:\n    f|exists: false\ncondition: sel", ev: record{}, want: true},

		// Regular expressions.
		{name: "re searches", det: "sel:\n    f|re: '\\s-enc\\s'\ncondition: sel", ev: record{"f": str("powershell -enc AAA")}, want: true},
		{name: "re is case-sensitive", det: "sel:\n    f|re: 'XMRIG'\ncondition: sel", ev: record{"f": str("xmrig")}, want: false},
		{name: "re i ignores case", det: "sel:\n    f|re|i: 'XMRIG'\ncondition: sel", ev: record{"f": str("xmrig")}, want: true},
		{name: "re without m anchors the text", det: "sel:\n    f|re: '^foo$'\ncondition: sel", ev: record{"f": str("a\nfoo\nb")}, want: false},
		{name: "re m anchors lines", det: "sel:\n    f|re|m: '^foo$'\ncondition: sel", ev: record{"f": str("a\nfoo\nb")}, want: true},
		{name: "re dot stops at newline", det: "sel:\n    f|re: 'a.b'\ncondition: sel", ev: record{"f": str("a\nb")}, want: false},
		{name: "re s dot matches newline", det: "sel:\n    f|re|s: 'a.b'\ncondition: sel", ev: record{"f": str("a\nb")}, want: true},
		{name: "re startswith anchors", det: "sel:\n    f|re|startswith: 'b+'\ncondition: sel", ev: record{"f": str("abb")}, want: false},
		{name: "re on a number's text", det: "sel:\n    f|re: '^5005[0-9]$'\ncondition: sel", ev: record{"f": num(50053, "50053")}, want: true},

		// Networks and numbers.
		{name: "cidr contains", det: "sel:\n    ip|cidr: '10.0.0.0/8'\ncondition: sel", ev: record{"ip": str("10.1.2.3")}, want: true},
		{name: "cidr excludes", det: "sel:\n    ip|cidr: '10.0.0.0/8'\ncondition: sel", ev: record{"ip": str("11.1.2.3")}, want: false},
		{name: "cidr reads address with port", det: "sel:\n    ip|cidr: '10.0.0.0/8'\ncondition: sel", ev: record{"ip": str("10.1.2.3:443")}, want: true},
		{name: "cidr IPv6", det: "sel:\n    ip|cidr: '2001:db8::/32'\ncondition: sel", ev: record{"ip": str("[2001:db8::1]:80")}, want: true},
		{name: "cidr unmaps IPv4 in IPv6", det: "sel:\n    ip|cidr: '192.168.0.0/16'\ncondition: sel", ev: record{"ip": str("::ffff:192.168.1.1")}, want: true},
		{name: "cidr rejects garbage", det: "sel:\n    ip|cidr: '10.0.0.0/8'\ncondition: sel", ev: record{"ip": str("ten")}, want: false},
		{name: "gt above", det: "sel:\n    n|gt: 10\ncondition: sel", ev: record{"n": num(11, "11")}, want: true},
		{name: "gt equal", det: "sel:\n    n|gt: 10\ncondition: sel", ev: record{"n": num(10, "10")}, want: false},
		{name: "gte equal", det: "sel:\n    n|gte: 10\ncondition: sel", ev: record{"n": num(10, "10")}, want: true},
		{name: "lt below", det: "sel:\n    n|lt: 10\ncondition: sel", ev: record{"n": str("9.5")}, want: true},
		{name: "lte above", det: "sel:\n    n|lte: 10\ncondition: sel", ev: record{"n": str("10.5")}, want: false},
		{name: "comparison ignores text", det: "sel:\n    n|gt: 1\ncondition: sel", ev: record{"n": str("many")}, want: false},
		{name: "hour of a timestamp", det: "sel:\n    t|hour: 3\ncondition: sel", ev: record{"t": str("2024-01-01T03:15:00Z")}, want: true},
		{name: "hour with comparison", det: "sel:\n    t|hour|gte: 22\ncondition: sel", ev: record{"t": str("2024-01-01T21:59:00Z")}, want: false},
		{name: "week of unix seconds", det: "sel:\n    t|week: 1\ncondition: sel", ev: record{"t": num(1704067200, "1704067200")}, want: true},

		// neq and fieldref.
		{name: "neq differs", det: "sel:\n    s|neq: Failed\ncondition: sel", ev: record{"s": str("Succeeded")}, want: true},
		{name: "neq equal ignoring case", det: "sel:\n    s|neq: Failed\ncondition: sel", ev: record{"s": str("failed")}, want: false},
		{name: "neq absent", det: "sel:\n    s|neq: Failed\ncondition: sel", ev: record{}, want: true},
		{name: "neq list differs from all", det: "sel:\n    s|neq: [a, b]\ncondition: sel", ev: record{"s": str("b")}, want: false},
		{name: "neq null is present", det: "sel:\n    s|neq: null\ncondition: sel", ev: record{"s": str("x")}, want: true},
		{name: "fieldref equal", det: "sel:\n    src|fieldref: dst\ncondition: sel", ev: record{"src": str("10.0.0.1"), "dst": str("10.0.0.1")}, want: true},
		{name: "fieldref different", det: "sel:\n    src|fieldref: dst\ncondition: sel", ev: record{"src": str("10.0.0.1"), "dst": str("10.0.0.2")}, want: false},
		{name: "fieldref absent", det: "sel:\n    src|fieldref: dst\ncondition: sel", ev: record{"src": str("a")}, want: false},
		{name: "fieldref contains", det: "sel:\n    cmd|fieldref|contains: user\ncondition: sel", ev: record{"cmd": str("run as ALICE now"), "user": str("alice")}, want: true},
		{name: "fieldref neq", det: "sel:\n    a|fieldref|neq: b\ncondition: sel", ev: record{"a": str("x"), "b": str("y")}, want: true},

		// Encodings.
		{name: "base64 equality", det: "sel:\n    f|base64: 'admin'\ncondition: sel", ev: record{"f": str(b64("admin"))}, want: true},
		{name: "base64 is cased by nature but folded", det: "sel:\n    f|base64|contains: 'stratum+tcp://'\ncondition: sel", ev: record{"f": str("x " + b64("stratum+tcp://") + " y")}, want: true},
		{name: "base64offset finds at offset 0", det: "sel:\n    f|base64offset|contains: '--donate-level='\ncondition: sel", ev: record{"f": str(b64("--donate-level=0"))}, want: true},
		{name: "base64offset finds at offset 1", det: "sel:\n    f|base64offset|contains: '--donate-level='\ncondition: sel", ev: record{"f": str(b64("x --donate-level=0"))}, want: true},
		{name: "base64offset finds at offset 2", det: "sel:\n    f|base64offset|contains: '--donate-level='\ncondition: sel", ev: record{"f": str(b64("xy --donate-level=0"))}, want: true},
		{name: "base64offset misses other text", det: "sel:\n    f|base64offset|contains: '--donate-level='\ncondition: sel", ev: record{"f": str(b64("--donate-levels"))}, want: false},
		{name: "wide base64offset", det: "sel:\n    f|wide|base64offset|contains: 'ping'\ncondition: sel", ev: record{"f": str(b64(utf16le("cmd /c ping 1.1.1.1")))}, want: true},
		{name: "utf16 base64 has a byte order mark", det: "sel:\n    f|utf16|base64: 'cmd'\ncondition: sel", ev: record{"f": str(b64("\xff\xfe" + utf16le("cmd")))}, want: true},
		{name: "utf16be", det: "sel:\n    f|utf16be|contains: 'ab'\ncondition: sel", ev: record{"f": str("x\x00a\x00by")}, want: true},
		{name: "windash slash", det: "sel:\n    f|windash|contains: ' -enc '\ncondition: sel", ev: record{"f": str("powershell /enc AAA")}, want: true},
		{name: "windash en dash", det: "sel:\n    f|windash|contains: ' -enc '\ncondition: sel", ev: record{"f": str("powershell \u2013enc AAA")}, want: true},
		{name: "windash keeps inner dashes", det: "sel:\n    f|windash|contains: 'a-b'\ncondition: sel", ev: record{"f": str("a/b")}, want: false},
		{name: "expand placeholder values", det: "sel:\n    user|expand: '%Admins%'\ncondition: sel", ev: record{"user": str("adm_bob")}, want: true, opt: placeholders},
		{name: "expand escaped percent", det: "sel:\n    user|expand: '\\%Admins%'\ncondition: sel", ev: record{"user": str("%Admins%")}, want: true, opt: placeholders},

		// Keywords.
		{name: "keywords search every string", det: "keywords:\n    - evil\n    - bad\ncondition: keywords", ev: record{"a": str("x"), "b": str("so EVIL")}, want: true},
		{name: "keywords miss", det: "keywords:\n    - evil\ncondition: keywords", ev: record{"a": str("good")}, want: false},
		{name: "keywords all", det: "keywords:\n    '|all':\n        - one\n        - two\ncondition: keywords", ev: record{"a": str("one"), "b": str("two")}, want: true},
		{name: "keywords all fails", det: "keywords:\n    '|all':\n        - one\n        - two\ncondition: keywords", ev: record{"a": str("one")}, want: false},
		{name: "keyword single string", det: "kw: evil\ncondition: kw", ev: record{"a": str("evil!")}, want: true},

		// Conditions.
		{name: "and binds tighter than or", det: "a:\n    x: 1\nb:\n    y: 1\nc:\n    z: 1\ncondition: a or b and c", ev: record{"x": num(1, "1")}, want: true},
		{name: "parentheses regroup", det: "a:\n    x: 1\nb:\n    y: 1\nc:\n    z: 1\ncondition: (a or b) and c", ev: record{"x": num(1, "1")}, want: false},
		{name: "not binds tighter than and", det: "a:\n    x: 1\nb:\n    y: 1\ncondition: not a and b", ev: record{"y": num(1, "1")}, want: true},
		{name: "selection and not filter", det: "sel:\n    x: 1\nfilter:\n    y: 1\ncondition: sel and not filter", ev: record{"x": num(1, "1"), "y": num(1, "1")}, want: false},
		{name: "1 of pattern", det: "sel_a:\n    x: 1\nsel_b:\n    y: 1\ncondition: 1 of sel_*", ev: record{"y": num(1, "1")}, want: true},
		{name: "all of pattern", det: "sel_a:\n    x: 1\nsel_b:\n    y: 1\ncondition: all of sel_*", ev: record{"y": num(1, "1")}, want: false},
		{name: "1 of them skips underscore", det: "_a:\n    x: 1\nb:\n    y: 1\ncondition: 1 of them", ev: record{"x": num(1, "1")}, want: false},
		{name: "all of them", det: "a:\n    x: 1\nb:\n    y: 1\ncondition: all of them", ev: record{"x": num(1, "1"), "y": num(1, "1")}, want: true},
		{name: "2 of pattern", det: "s1:\n    x: 1\ns2:\n    y: 1\ns3:\n    z: 1\ncondition: 2 of s*", ev: record{"x": num(1, "1"), "z": num(1, "1")}, want: true},
		{name: "2 of pattern with one", det: "s1:\n    x: 1\ns2:\n    y: 1\ns3:\n    z: 1\ncondition: 2 of s*", ev: record{"z": num(1, "1")}, want: false},
		{name: "keywords in capitals", det: "a:\n    x: 1\nb:\n    y: 1\ncondition: a AND NOT b", ev: record{"x": num(1, "1")}, want: true},
		{name: "condition list is OR", det: "a:\n    x: 1\nb:\n    y: 1\ncondition:\n    - a\n    - b", ev: record{"y": num(1, "1")}, want: true},
		{name: "null alternative selection", det: "main:\n    s: ok\ne1:\n    t: ''\ne2:\n    t: null\ncondition: main and 1 of e*", ev: record{"s": str("OK")}, want: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := &mapResolver{}
			c := compile(t, r, tc.det, tc.opt)
			if got := c.Match(mapFields{r: r, ev: tc.ev}); got != tc.want {
				t.Errorf("Match = %v, want %v\n%s", got, tc.want, tc.det)
			}
		})
	}
}
