// Package redact hides the values of secrets in process text (a command
// line and what it carries: connection strings, URLs, HTTP headers) before
// that text is shown or stored, and keeps the rest in sight: the program,
// the names of the flags, the pool, the wallet. Detection reads the raw
// text; only what an alert says goes through Secrets.
package redact

import (
	"strings"
)

// Mask replaces each secret value.
const Mask = "***"

// A name is a secret's flag, key, variable or header name as Secrets
// compares it: lower case, without '-', '_' and '.', so that --client-secret,
// client_secret, AZURE_CLIENT_SECRET and -ClientSecret are one name. Its
// value is hidden wherever the name appears as
//
//	--name VALUE, -name VALUE, --name=VALUE, -Name:VALUE   a flag
//	name=VALUE, /name:VALUE                                   a key, a variable, a Windows flag
//	"name": "VALUE"                                           a JSON member
//	Name: VALUE                                               a header (colon set)
type name struct {
	name   string
	suffix bool // any name ending in it also: --admin-password, PGPASSWORD, AZURE_CLIENT_SECRET
	colon  bool // also "Name: VALUE", as an HTTP header is written
	scheme bool // the value may start with an auth scheme (Bearer, Basic), which stays in sight
}

var names = []name{
	// Passwords under every spelling: az --admin-password, -AdminPassword,
	// PGPASSWORD=, MYSQL_PWD's cousins, Password= in SQL connection
	// strings, "password": in a JSON body, wget --http-password.
	{name: "password", suffix: true, colon: true},
	{name: "passwd", suffix: true, colon: true},
	// gpg --passphrase, ssh key passphrases.
	{name: "passphrase", suffix: true, colon: true},
	// --client-secret, AZURE_CLIENT_SECRET/ARM_CLIENT_SECRET (a service
	// principal's password), client_secret= in an OAuth token request.
	{name: "secret", suffix: true, colon: true},
	// --token, --sas-token, --access-token, access_token=, GITHUB_TOKEN=,
	// -AccessToken, X-Vault-Token:.
	{name: "token", suffix: true, colon: true},
	// --api-key, x-api-key: and api-key: (Azure OpenAI), OPENAI_API_KEY=.
	{name: "apikey", suffix: true, colon: true},
	// AccountKey= of a storage connection string, az storage --account-key.
	{name: "accountkey", suffix: true, colon: true},
	// SharedAccessKey= of Event Hubs and Service Bus connection strings,
	// AWS_SECRET_ACCESS_KEY=, --access-key.
	{name: "accesskey", suffix: true, colon: true},
	// AZURE_STORAGE_KEY=, the az CLI's storage account key.
	{name: "storagekey", suffix: true, colon: true},
	// Ocp-Apim-Subscription-Key: (API Management).
	{name: "subscriptionkey", suffix: true, colon: true},
	// x-functions-key: (Azure Functions).
	{name: "functionskey", suffix: true, colon: true},
	// Authorization: Bearer …, Basic …; Authorization= in az rest --headers.
	{name: "authorization", colon: true, scheme: true},
	{name: "proxyauthorization", colon: true, scheme: true},
	// sig= of a SAS URL or token: the signature is the credential (the
	// rest, sv= se= sp=, says what it grants and until when, and stays).
	{name: "sig"},
	// SharedAccessSignature= of a connection string (its sig= is hidden too).
	{name: "sharedaccesssignature"},
	// ?code= carries an Azure Functions key, or an OAuth authorisation code.
	{name: "code"},
	// openssl -pass pass:…, -passin, -passout; a miner's --pass is its pool
	// password (often "x"): hiding it costs nothing, the pool and wallet stay.
	{name: "pass"},
	{name: "passin"},
	{name: "passout"},
	// PuTTY's plink and pscp -pw.
	{name: "pw"},
	// Pwd= in ODBC connection strings (Uid=sa;Pwd=…).
	{name: "pwd"},
}

// schemes are the auth schemes an Authorization value starts with.
var schemes = []string{"bearer", "basic", "digest", "negotiate", "ntlm", "sharedkey", "sharedkeylite", "sharedaccesssignature", "token"}

// A scoped flag is a short flag that means a password only for some
// programs (-p is also mkdir's parents, ssh's port and docker's port
// mapping). Its value is hidden when one of the programs is a word of the
// same command (since the last ; & | ( ) or backtick): "sudo mysql -pX" and
// bash -c "az login … -p X" count, "mkdir -p /tmp/.x" does not.
type scoped struct {
	flag     string   // as written: case matters
	fold     bool     // any case (PowerShell)
	programs []string // file names, lower case, without .exe
	attached bool     // also -pVALUE
	after    byte     // when set, only what follows this byte is secret (curl -u user:password)
}

var scopedFlags = []scoped{
	// az login --service-principal -u APPID -p SECRET; sshpass -p; Sysinternals
	// PsExec -p; mysql -pSECRET (mysql reads a separate word as the database,
	// hiding it costs nothing); mongosh -p; 7-Zip and RAR -pSECRET (archive
	// password, droppers use it).
	{flag: "-p", attached: true, programs: []string{"az", "sshpass", "psexec", "psexec64", "paexec",
		"mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump", "mongo", "mongosh",
		"7z", "7za", "7zr", "rar", "unrar"}},
	// sqlcmd -P, bcp -P (SQL Server); zip/unzip -P (archive password).
	{flag: "-P", attached: true, programs: []string{"sqlcmd", "bcp", "zip", "unzip"}},
	// redis-cli -a PASSWORD.
	{flag: "-a", programs: []string{"redis-cli"}},
	// openssl enc -k PASSPHRASE, -K HEXKEY.
	{flag: "-k", programs: []string{"openssl"}},
	{flag: "-K", programs: []string{"openssl"}},
	// ssh-keygen -N new passphrase, -P old passphrase.
	{flag: "-N", programs: []string{"ssh-keygen"}},
	{flag: "-P", programs: []string{"ssh-keygen"}},
	// curl -u/--user user:password, -U/--proxy-user: the user stays.
	{flag: "-u", attached: true, after: ':', programs: []string{"curl"}},
	{flag: "--user", after: ':', programs: []string{"curl"}},
	{flag: "-U", attached: true, after: ':', programs: []string{"curl"}},
	{flag: "--proxy-user", after: ':', programs: []string{"curl"}},
	// smbclient/rpcclient -U user%password: the user stays.
	{flag: "-U", after: '%', programs: []string{"smbclient", "rpcclient"}},
	// xfreerdp /p:PASSWORD.
	{flag: "/p", programs: []string{"xfreerdp", "wlfreerdp"}},
	// ConvertTo-SecureString 'P@ss' -AsPlainText, or -String 'P@ss'.
	{flag: "ConvertTo-SecureString", fold: true},
	{flag: "-String", fold: true, programs: []string{"convertto-securestring"}},
}

// programBit gives each program a scoped flag names a bit of a command's
// set of programs; scopedMask is each scoped flag's programs as bits.
var programBit, scopedMask = func() (map[string]uint64, []uint64) {
	m := map[string]uint64{}
	masks := make([]uint64, len(scopedFlags))
	for i, f := range scopedFlags {
		for _, p := range f.programs {
			if _, ok := m[p]; !ok {
				if len(m) == 64 {
					panic("redact: more than 64 programs")
				}
				m[p] = 1 << len(m)
			}
			masks[i] |= m[p]
		}
	}
	return m, masks
}()

// Secrets returns s with the value of every secret it recognises replaced
// by Mask: the values of the flags, keys, variables and headers above, the
// password of a URL's user information (https://user:***@host), and the
// values of the scoped flags when their program is the command's. Quotes
// around a value stay. It never fails and is idempotent; s is returned as
// it is when nothing is hidden.
func Secrets(s string) string {
	r := redactor{s: s}
	r.scan()
	if len(r.spans) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + len(r.spans)*len(Mask))
	last := 0
	for _, sp := range r.spans {
		b.WriteString(s[last:sp[0]])
		b.WriteString(Mask)
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

type redactor struct {
	s     string
	spans [][2]int // values to mask, in order, not overlapping
	seen  uint64   // programs among the words of the current command
}

// scan walks s once. A value once hidden is skipped: nothing in it starts
// a command, names a program or a secret, so a second pass over the
// masked text decides as the first did (Secrets is idempotent).
func (r *redactor) scan() {
	s := r.s
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case isCommandEnd(c):
			r.seen = 0
			i++
			continue
		case isSpace(c):
			i++
			continue
		}
		if r.wordStart(i) {
			if n, ok := r.flag(i); ok {
				i = n
				continue
			}
			r.program(i)
		}
		if c == ':' && strings.HasPrefix(s[i:], "://") {
			if n, ok := r.userinfo(i + 3); ok {
				i = n
				continue
			}
		}
		if c == '=' || c == ':' {
			if n, ok := r.key(i); ok {
				i = n
				continue
			}
		}
		i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' }

// isCommandEnd ends a command: a program named before it no longer scopes
// the flags after it.
func isCommandEnd(c byte) bool {
	switch c {
	case ';', '&', '|', '(', ')', '`', '\n', '\r':
		return true
	}
	return false
}

func isQuote(c byte) bool { return c == '"' || c == '\'' }

// isNameChar may be part of a flag, key or variable name.
func isNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.'
}

// ends an unquoted value.
func isValueEnd(c byte) bool {
	return isSpace(c) || isCommandEnd(c) || isQuote(c) || c == '<' || c == '>'
}

func (r *redactor) wordStart(i int) bool {
	if i == 0 {
		return true
	}
	c := r.s[i-1]
	return isSpace(c) || isCommandEnd(c) || isQuote(c)
}

// word is the end of the word starting at i that may name a program (a
// name=value word does not).
func (r *redactor) word(i int) int {
	for i < len(r.s) && !isSpace(r.s[i]) && !isCommandEnd(r.s[i]) && !isQuote(r.s[i]) && r.s[i] != '=' {
		i++
	}
	return i
}

// program notes the word at i when it names a program of a scoped flag.
func (r *redactor) program(i int) {
	w := r.s[i:r.word(i)]
	if j := strings.LastIndexAny(w, `/\`); j >= 0 {
		w = w[j+1:]
	}
	if len(w) > 4 && strings.EqualFold(w[len(w)-4:], ".exe") {
		w = w[:len(w)-4]
	}
	if len(w) == 0 || len(w) > 32 {
		return
	}
	if bit, ok := programBit[strings.ToLower(w)]; ok {
		r.seen |= bit
	}
}

// flag hides the value of a secret flag starting the word at i: a scoped
// flag of a program of this command, or a flag of a secret's name.
func (r *redactor) flag(i int) (int, bool) {
	s := r.s
	for k, f := range scopedFlags {
		if scopedMask[k] != 0 && r.seen&scopedMask[k] == 0 {
			continue
		}
		after := i + len(f.flag)
		if after >= len(s) || !(s[i:after] == f.flag || f.fold && strings.EqualFold(s[i:after], f.flag)) {
			continue
		}
		attached := false
		switch c := s[after]; {
		case isSpace(c) || c == '=' || c == ':':
		case f.attached && !isCommandEnd(c) && c != '<' && c != '>':
			attached = true
		default:
			continue // another flag (-pw, --users)
		}
		return r.flagValue(after, attached, f.after, false)
	}
	if s[i] != '-' && s[i] != '/' {
		return i, false
	}
	j := i + 1
	if j < len(s) && s[j] == '-' && s[i] == '-' {
		j++
	}
	k := j
	for k < len(s) && isNameChar(s[k]) {
		k++
	}
	if s[i] == '/' && (k == len(s) || s[k] != ':') {
		return i, false // a path, not /name:value
	}
	n, ok := lookup(s[j:k])
	if !ok {
		return i, false
	}
	return r.flagValue(k, false, 0, n.scheme)
}

// flagValue hides the value of a flag whose name ends at i: attached to
// it, after '=' or ':', or the next word unless that is another flag.
func (r *redactor) flagValue(i int, attached bool, after byte, scheme bool) (int, bool) {
	s := r.s
	switch {
	case attached:
	case i >= len(s):
		return i, false
	case s[i] == '=' || s[i] == ':':
		i++
	case isSpace(s[i]):
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] == '-' {
			return i, false // another flag: this one has no value
		}
	default:
		return i, false
	}
	return r.value(i, after, scheme)
}

// key hides the value after the '=' or ':' at i when the name before it is
// a secret's: name=VALUE, "name": "VALUE", Name: VALUE, /name:VALUE.
func (r *redactor) key(i int) (int, bool) {
	s := r.s
	e := i
	var q byte
	if e > 0 && isQuote(s[e-1]) { // a JSON member's name, maybe \"escaped\"
		q = s[e-1]
		e--
		if e > 0 && s[e-1] == '\\' {
			e--
		}
	}
	b := e
	for b > 0 && isNameChar(s[b-1]) {
		b--
	}
	if b == e || q != 0 && (b == 0 || s[b-1] != q) {
		return i, false
	}
	n, ok := lookup(s[b:e])
	if !ok {
		return i, false
	}
	v := i + 1
	if s[i] == ':' {
		// A header's name starts a word ("Authorization: …"); a Windows
		// flag's is /name at the start of one.
		header := n.colon && (b == 0 || isSpace(s[b-1]) || isQuote(s[b-1]))
		windows := b > 0 && s[b-1] == '/' && (b == 1 || isSpace(s[b-2]) || isQuote(s[b-2]))
		if !(q != 0 || header || s[b] == '-' || windows) {
			return i, false
		}
		for v < len(s) && isSpace(s[v]) {
			v++
		}
	}
	return r.value(v, 0, n.scheme)
}

// lookup finds the secret a flag or key name is, ignoring case, '-', '_'
// and '.'.
func lookup(raw string) (name, bool) {
	var buf [64]byte
	b := buf[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '-' || c == '_' || c == '.':
			continue
		case 'A' <= c && c <= 'Z':
			c += 'a' - 'A'
		}
		if len(b) == len(buf) {
			return name{}, false // no secret's name is this long
		}
		b = append(b, c)
	}
	if len(b) == 0 {
		return name{}, false
	}
	for _, n := range names {
		if string(b) == n.name || n.suffix && len(b) > len(n.name) && string(b[len(b)-len(n.name):]) == n.name {
			return n, true
		}
	}
	return name{}, false
}

// value hides the value starting at i: quoted (the quotes stay; \"…\" too),
// or up to a blank, a quote or the end of the command. With after, only
// what follows that byte is hidden; with scheme, an auth scheme before the
// credentials stays in sight. It returns where scanning goes on.
func (r *redactor) value(i int, after byte, scheme bool) (int, bool) {
	s := r.s
	if i >= len(s) {
		return i, false
	}
	var start, end, next int
	if isQuote(s[i]) || s[i] == '\\' && i+1 < len(s) && isQuote(s[i+1]) {
		closing := s[i : i+1]
		if s[i] == '\\' {
			closing = s[i : i+2]
		}
		start = i + len(closing)
		if k := closingQuote(s, start, closing); k >= 0 {
			end, next = start+k, start+k+len(closing)
		} else { // unterminated: to the end of the word
			end = start
			for end < len(s) && !isSpace(s[end]) && s[end] != '\n' && s[end] != '\r' {
				end++
			}
			next = end
		}
		if scheme {
			// "Bearer TOKEN": the credentials follow the scheme.
			if k := schemeEnd(s, start, end); k >= 0 {
				for k < end && isSpace(s[k]) {
					k++
				}
				start = k
			}
		}
	} else {
		start, end = i, i
		for end < len(s) && !isValueEnd(s[end]) {
			end++
		}
		next = end
		if scheme && schemeEnd(s, start, end) == end {
			// Bearer TOKEN, unquoted: the credentials are the next word.
			k := end
			for k < len(s) && isSpace(s[k]) {
				k++
			}
			if k == end {
				return i, false
			}
			return r.value(k, 0, false)
		}
	}
	if after != 0 {
		k := strings.IndexByte(s[start:end], after)
		if k < 0 {
			return i, false
		}
		start += k + 1
	}
	if start >= end {
		return i, false
	}
	r.spans = append(r.spans, [2]int{start, end})
	return next, true
}

// closingQuote returns where, from start, the quote closing ends: for a
// plain double quote, the first one not escaped by a backslash, as JSON
// and a shell's double quotes write a quote inside a value ("Pa\"ss"),
// else -1.
func closingQuote(s string, start int, closing string) int {
	for from := start; ; {
		k := strings.Index(s[from:], closing)
		if k < 0 {
			return -1
		}
		k += from
		if closing != `"` {
			return k - start
		}
		n := 0
		for j := k - 1; j >= start && s[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			return k - start
		}
		from = k + 1
	}
}

// schemeEnd returns where the auth scheme that s[start:end] begins with
// ends, when it begins with one followed by a blank or the end; else -1.
func schemeEnd(s string, start, end int) int {
	k := start
	for k < end && 'a' <= s[k]|0x20 && s[k]|0x20 <= 'z' {
		k++
	}
	if k < end && !isSpace(s[k]) {
		return -1
	}
	for _, sc := range schemes {
		if strings.EqualFold(s[start:k], sc) {
			return k
		}
	}
	return -1
}

// userinfo hides the password of a URL's user information (user:password@)
// that starts at i, after "://". The user stays: it is often a name, and a
// miner's pool user is its wallet.
func (r *redactor) userinfo(i int) (int, bool) {
	s := r.s
	end := i
	for end < len(s) && !isValueEnd(s[end]) && s[end] != '/' && s[end] != '?' && s[end] != '#' {
		end++
	}
	at := strings.LastIndexByte(s[i:end], '@')
	if at < 0 {
		return i, false
	}
	at += i
	colon := strings.IndexByte(s[i:at], ':')
	if colon < 0 || i+colon+1 == at {
		return i, false
	}
	r.spans = append(r.spans, [2]int{i + colon + 1, at})
	return at, true
}
