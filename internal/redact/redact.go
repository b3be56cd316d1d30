// Package redact hides the values of secrets in process text (a command
// line and what it carries: connection strings, URLs, HTTP headers) before
// that text is shown or stored, and keeps the rest in sight: the program,
// the names of the flags, the pool, the wallet. Detection reads the raw
// text; only what an alert says goes through Secrets.
package redact

import (
	"math/bits"
	"slices"
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
	// env: only an environment variable's name (upper case, NAME=VALUE)
	// that is it or ends in _NAME: MYSQL_PWD, SSH_KEY, SMTP_PASS. As a
	// flag such a word is often no secret (--key names a file).
	env bool
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
	// curl --oauth2-bearer.
	{name: "bearer", suffix: true},
	// Variables named as secrets: MYSQL_PWD=, SSH_KEY=, STRIPE_SECRET_KEY=,
	// SMTP_PASS=.
	{name: "pwd", env: true},
	{name: "key", env: true},
	{name: "pass", env: true},
}

// schemes are the auth schemes an Authorization value starts with.
var schemes = []string{"bearer", "basic", "digest", "negotiate", "ntlm", "sharedkey", "sharedkeylite", "sharedaccesssignature", "token"}

// A scoped flag is a short flag that means a password only for some
// programs (-p is also mkdir's parents, ssh's port and docker's port
// mapping). Its value is hidden when one of the programs is a word of the
// same command (since the last ; & | ( ) or backtick): "sudo mysql -pX" and
// bash -c "az login … -p X" count, "mkdir -p /tmp/.x" does not.
type scoped struct {
	flag     string   // as written: case matters; "" when naming the program is enough (chpasswd)
	fold     bool     // any case (PowerShell, Windows)
	programs []string // file names, lower case, without .exe
	with     string   // a word the command must hold too: docker's -p is a password after "login" only
	attached bool     // also -pVALUE
	cluster  bool     // the flag's letter may come with others: htpasswd -cb, sudo -kS
	after    byte     // when set, only what follows this byte is secret (curl -u user:password)
	take     take     // which word the secret is
}

// take says where a scoped flag's secret is.
type take uint8

const (
	next     take = iota // the flag's value: attached, after = or :, or the next word
	skip                 // the word after the next: net user NAME PASSWORD
	skipName             // the same when the next word names a secret: aws configure set aws_secret_access_key VALUE
	last                 // the command's last word: htpasswd -b FILE USER PASSWORD
	piped                // what echo or printf wrote into the pipe to the command: echo PASSWORD | sudo -S
)

// stratum stands for the miner among the programs: a command that names a
// stratum URL is a miner's, under whatever name it was renamed to
// (kswapd0), once the URL has been read.
const stratum = "stratum"

var scopedFlags = []scoped{
	// az login --service-principal -u APPID -p SECRET; sshpass -p; Sysinternals
	// PsExec -p; mysql -pSECRET (mysql reads a separate word as the database,
	// hiding it costs nothing); mongosh -p; 7-Zip and RAR -pSECRET (archive
	// password, droppers use it); winrs -p:SECRET; brute forcers' one
	// password (hydra, medusa, NetExec, evil-winrm); useradd/usermod -p, a
	// crypt(3) hash that can be cracked.
	{flag: "-p", attached: true, programs: []string{"az", "sshpass", "psexec", "psexec64", "paexec",
		"mysql", "mysqldump", "mysqladmin", "mariadb", "mariadb-dump", "mongo", "mongosh",
		"7z", "7za", "7zr", "rar", "unrar", "winrs", "hydra", "medusa", "crackmapexec", "cme", "nxc", "netexec",
		"evil-winrm", "useradd", "usermod"}},
	// A miner's -p is its pool password, as its --pass: xmrig, xmr-stak,
	// cpuminer/minerd, ccminer, cgminer and sgminer, T-Rex, TeamRedMiner,
	// GMiner (its program is "miner"); the wallet (-u) stays. Not
	// lolMiner's or BzMiner's -p, which is the pool; ethminer's -P is the
	// pool URL (its password is the URL's, hidden as any URL's).
	{flag: "-p", attached: true, programs: []string{"xmrig", "xmrig-notls", "xmr-stak", "xmr-stak-rx", "xmr-stak-cpu",
		"cpuminer", "minerd", "ccminer", "cgminer", "sgminer", "bfgminer", "t-rex", "teamredminer", "miner", stratum}},
	// docker login -u bot -p SECRET, and the registry clients that copy it.
	{flag: "-p", attached: true, with: "login", programs: []string{"docker", "podman", "nerdctl", "buildah", "skopeo", "helm", "oras"}},
	// sqlcmd -P, bcp -P (SQL Server); zip/unzip -P (archive password).
	{flag: "-P", attached: true, programs: []string{"sqlcmd", "bcp", "zip", "unzip"}},
	// redis-cli -a PASSWORD.
	{flag: "-a", programs: []string{"redis-cli"}},
	// openssl enc -k PASSPHRASE, -K HEXKEY; openssl passwd [options] PASSWORD.
	{flag: "-k", programs: []string{"openssl"}},
	{flag: "-K", programs: []string{"openssl"}},
	{flag: "passwd", programs: []string{"openssl"}, take: last},
	// ssh-keygen -N new passphrase, -P old passphrase.
	{flag: "-N", programs: []string{"ssh-keygen"}},
	{flag: "-P", programs: []string{"ssh-keygen"}},
	// ldapsearch -w PASSWORD (-W asks for it), and the other OpenLDAP clients.
	{flag: "-w", attached: true, programs: []string{"ldapsearch", "ldapmodify", "ldapadd", "ldapdelete",
		"ldapwhoami", "ldappasswd", "ldapcompare", "ldapmodrdn", "ldapexop"}},
	// curl -u/--user user:password, -U/--proxy-user: the user stays. NBMiner
	// takes its pool password so: -u WALLET.WORKER:PASSWORD.
	{flag: "-u", attached: true, after: ':', programs: []string{"curl", "nbminer"}},
	{flag: "--user", after: ':', programs: []string{"curl", "nbminer"}},
	{flag: "-U", attached: true, after: ':', programs: []string{"curl"}},
	{flag: "--proxy-user", after: ':', programs: []string{"curl"}},
	// smbclient/rpcclient -U user%password: the user stays.
	{flag: "-U", after: '%', programs: []string{"smbclient", "rpcclient"}},
	// xfreerdp /p:PASSWORD; winrs /p:; schtasks /p (of /u) and /rp (of /ru).
	{flag: "/p", fold: true, programs: []string{"xfreerdp", "wlfreerdp", "winrs", "schtasks"}},
	{flag: "/rp", fold: true, programs: []string{"schtasks"}},
	// net user NAME PASSWORD [/add]: not net user NAME /add, nor NAME *,
	// which asks.
	{flag: "user", fold: true, programs: []string{"net", "net1"}, take: skip},
	// aws configure set aws_secret_access_key VALUE (aws_session_token…).
	{flag: "set", programs: []string{"aws"}, take: skipName},
	// vault login TOKEN.
	{flag: "login", programs: []string{"vault"}},
	// htpasswd -b FILE USER PASSWORD (-bc, -nb USER PASSWORD).
	{flag: "-b", cluster: true, programs: []string{"htpasswd"}, take: last},
	// echo PASSWORD | sudo -S …; echo PASSWORD | passwd --stdin USER; echo
	// USER:PASSWORD | chpasswd (the user stays).
	{flag: "-S", cluster: true, programs: []string{"sudo"}, take: piped},
	{flag: "--stdin", programs: []string{"sudo", "passwd"}, take: piped},
	{programs: []string{"chpasswd"}, after: ':', take: piped},
	// ConvertTo-SecureString 'P@ss' -AsPlainText, or -String 'P@ss'.
	{flag: "ConvertTo-SecureString", fold: true},
	{flag: "-String", fold: true, programs: []string{"convertto-securestring"}},
}

// A scope is the scoped flags a word of a command brings in scope, a bit
// each (bit k for scopedFlags[k]): as one of their programs, or as their
// with word.
type scope struct{ programs, with uint64 }

// words gives each program and with word its scope; anywhere are the
// flags in scope whatever the programs (they name none), anyWith those
// that need no with word; bare are the flags whose program is enough.
var words, anywhere, anyWith, bare = func() (map[string]scope, uint64, uint64, []int) {
	if len(scopedFlags) > 64 {
		panic("redact: more than 64 scoped flags")
	}
	m := map[string]scope{}
	var anywhere, anyWith uint64
	var bare []int
	for k, f := range scopedFlags {
		bit := uint64(1) << k
		for _, p := range f.programs {
			sc := m[p]
			sc.programs |= bit
			m[p] = sc
		}
		if len(f.programs) == 0 {
			anywhere |= bit
		}
		if f.with == "" {
			anyWith |= bit
		} else {
			sc := m[f.with]
			sc.with |= bit
			m[f.with] = sc
		}
		if f.flag == "" {
			bare = append(bare, k)
		}
	}
	return m, anywhere, anyWith, bare
}()

// bareBits are the bits of bare, which flag never looks for.
var bareBits = func() (b uint64) {
	for _, k := range bare {
		b |= 1 << k
	}
	return b
}()

// Secrets returns s with the value of every secret it recognises replaced
// by Mask: the values of the flags, keys, variables and headers above, the
// password of a URL's user information (https://user:***@host) or a
// token standing for its user (https://***@github.com), and the secrets of
// the scoped flags in scope in their command: their values, the word they
// say (net user NAME ***, htpasswd -b FILE USER ***), what echo piped into
// them (echo *** | sudo -S). Quotes around a value stay. It never fails and is idempotent; s is returned as
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
	// The current command: the scoped flags its words bring in scope, as
	// programs and as with words, and where what it echoes begins (0: it
	// is no echo).
	seen, with uint64
	echo       int
	piped      [2]int // what the command before the pipe echoed, if any
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
			r.endCommand(i)
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
			if n, ok := r.url(i); ok {
				i = n
				continue
			}
		}
		if c == '=' || c == ':' || c == '%' {
			if n, ok := r.key(i); ok {
				i = n
				continue
			}
		}
		i++
	}
}

// endCommand ends the command at the command end at i. What an echo wrote
// into a pipe (one '|', not "||") is kept for the next command only.
func (r *redactor) endCommand(i int) {
	s := r.s
	r.piped = [2]int{}
	if s[i] == '|' && r.echo > 0 && (i+1 == len(s) || s[i+1] != '|') {
		r.piped = [2]int{r.echo, i}
	}
	r.seen, r.with, r.echo = 0, 0, 0
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

// program notes the word at i when it names a program or a with word of
// scoped flags, or is an echo or printf starting its command.
func (r *redactor) program(i int) {
	end := r.word(i)
	w := r.s[i:end]
	if j := strings.LastIndexAny(w, `/\`); j >= 0 {
		w = w[j+1:]
	}
	if len(w) > 4 && strings.EqualFold(w[len(w)-4:], ".exe") {
		w = w[:len(w)-4]
	}
	if len(w) == 0 || len(w) > 32 {
		return
	}
	// Lower case on the stack: most words are no program, and a word
	// in capitals (a Windows path) must not cost an allocation.
	var buf [32]byte
	for j := range len(w) {
		c := w[j]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[j] = c
	}
	lw := buf[:len(w)]
	if (string(lw) == "echo" || string(lw) == "printf") && r.commandStart(i) {
		r.echo = end
		return
	}
	sc, ok := words[string(lw)]
	if !ok {
		return
	}
	fresh := sc.programs &^ r.seen
	r.seen |= sc.programs
	r.with |= sc.with
	for _, k := range bare {
		if fresh&(1<<k) != 0 {
			r.secret(&scopedFlags[k], end, false)
		}
	}
}

// commandStart reports whether the word at i is its command's first (or
// the first in quotes, as bash -c "…" starts one).
func (r *redactor) commandStart(i int) bool {
	for i > 0 && isSpace(r.s[i-1]) {
		i--
	}
	return i == 0 || isCommandEnd(r.s[i-1]) || isQuote(r.s[i-1])
}

// flag hides the value of a secret flag starting the word at i: a scoped
// flag in scope in this command, or a flag of a secret's name.
func (r *redactor) flag(i int) (int, bool) {
	s := r.s
	// Only the flags in scope, in the table's order: most words meet two.
	for in := (r.seen | anywhere) & (r.with | anyWith) &^ bareBits; in != 0; in &= in - 1 {
		f := &scopedFlags[bits.TrailingZeros64(in)]
		if end, attached, ok := r.isFlag(i, f); ok {
			return r.secret(f, end, attached)
		}
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
	n, ok := lookup(s[j:k], false)
	if !ok {
		return i, false
	}
	return r.flagValue(k, false, 0, n.scheme)
}

// isFlag reports whether the word at i is the scoped flag f, where the
// flag ends and whether a value is attached to it.
func (r *redactor) isFlag(i int, f *scoped) (end int, attached, ok bool) {
	s := r.s
	if f.cluster {
		// -S, or its letter among others: -kS, -cb.
		end = i + 1
		found := false
		for end < len(s) && ('a' <= s[end]|0x20 && s[end]|0x20 <= 'z') {
			found = found || s[end] == f.flag[1]
			end++
		}
		return end, false, s[i] == '-' && found && (end == len(s) || isValueEnd(s[end]))
	}
	end = i + len(f.flag)
	if end > len(s) || !(s[i:end] == f.flag || f.fold && strings.EqualFold(s[i:end], f.flag)) {
		return 0, false, false
	}
	if end == len(s) {
		return end, false, true
	}
	switch c := s[end]; {
	case isSpace(c) || c == '=' || c == ':':
	case f.attached && !isCommandEnd(c) && c != '<' && c != '>':
		attached = true
	case isValueEnd(c): // the end of a command in quotes: bash -c "… sudo -S"
	default:
		return 0, false, false // another flag (-pw, --users)
	}
	return end, attached, true
}

// secret hides the secret of the scoped flag f, whose word ends at i,
// where f takes it from.
func (r *redactor) secret(f *scoped, i int, attached bool) (int, bool) {
	switch f.take {
	case skip, skipName:
		return r.skipValue(i, f.take == skipName, f.after)
	case last:
		return r.lastWord(i, f.after)
	case piped:
		return i, r.stdin(f.after)
	}
	return r.flagValue(i, attached, f.after, false)
}

// skipValue hides the word after the one from i: net user NAME PASSWORD.
// With named, only when the word passed names a secret (aws configure set
// aws_secret_access_key VALUE). A flag there is no value, nor "*", which
// asks for the password.
func (r *redactor) skipValue(i int, named bool, after byte) (int, bool) {
	s := r.s
	i = skipSpaces(s, i)
	w := r.wordEnd(i)
	if w == i || s[i] == '-' || s[i] == '/' {
		return i, false
	}
	if named {
		if _, ok := lookup(strings.Trim(s[i:w], `"'`), true); !ok {
			return i, false
		}
	}
	v := skipSpaces(s, w)
	if v == len(s) || s[v] == '-' || s[v] == '/' || s[v] == '*' && r.wordEnd(v) == v+1 {
		return v, false
	}
	return r.value(v, after, false, false)
}

// lastWord hides the last word of the command from i (not a flag, nor the
// descriptor of a redirection: 2>/dev/null).
func (r *redactor) lastWord(i int, after byte) (int, bool) {
	s := r.s
	w := -1
	for {
		i = skipSpaces(s, i)
		e := r.wordEnd(i)
		if e == i || e < len(s) && (s[e] == '<' || s[e] == '>') {
			break
		}
		w, i = i, e
		if i < len(s) && isQuote(s[i]) {
			break // the quote that closes the command: bash -c "…"
		}
	}
	if w < 0 || s[w] == '-' {
		return i, false
	}
	return r.value(w, after, false, false)
}

// stdin hides, once, what the command before the pipe echoed (echo's own
// flags, -n and -e, aside).
func (r *redactor) stdin(after byte) bool {
	s := r.s
	a, b := r.piped[0], r.piped[1]
	if b == 0 {
		return false
	}
	r.piped = [2]int{}
	for {
		a = skipSpaces(s, a)
		e := r.wordEnd(a)
		if a >= b || s[a] != '-' || e > b || e-a < 2 || !letters(s[a+1:e]) {
			break
		}
		a = e
	}
	for b > a && isSpace(s[b-1]) {
		b--
	}
	if b-a >= 2 && isQuote(s[a]) && s[b-1] == s[a] {
		a, b = a+1, b-1
	}
	if after != 0 {
		k := strings.IndexByte(s[a:b], after)
		if k < 0 {
			return false
		}
		a += k + 1
	}
	if a >= b {
		return false
	}
	r.insert(a, b)
	return true
}

// insert adds the span [a, b) behind the scan, where an echo was: the
// spans it overlaps (values in what was echoed) become one with it.
func (r *redactor) insert(a, b int) {
	k := 0
	for k < len(r.spans) && r.spans[k][1] <= a {
		k++
	}
	j := k
	for j < len(r.spans) && r.spans[j][0] < b {
		a, b = min(a, r.spans[j][0]), max(b, r.spans[j][1])
		j++
	}
	r.spans = slices.Replace(r.spans, k, j, [2]int{a, b})
}

// wordEnd returns where the word at i ends, quotes included; i when none
// starts there (a blank, the end of the command, an unterminated quote).
func (r *redactor) wordEnd(i int) int {
	s := r.s
	if i < len(s) && isQuote(s[i]) {
		if k := closingQuote(s, i+1, s[i:i+1]); k >= 0 {
			return i + k + 2
		}
		return i
	}
	e := i
	for e < len(s) && !isValueEnd(s[e]) {
		e++
	}
	return e
}

func skipSpaces(s string, i int) int {
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	return i
}

func letters(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i] | 0x20; c < 'a' || c > 'z' {
			return false
		}
	}
	return true
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
	return r.value(i, after, scheme, false)
}

// key hides the value after the '=' or ':' at i when the name before it is
// a secret's: name=VALUE, "name": "VALUE", Name: VALUE, /name:VALUE; or
// after an '=' escaped in a URL (%3D, at i), where an escaped '&' (%26)
// ends the value too: a SAS URL inside another's query, sig%3DVALUE%26se%3D….
func (r *redactor) key(i int) (int, bool) {
	s := r.s
	sep := 1
	encoded := s[i] == '%'
	if encoded {
		if i+2 >= len(s) || s[i+1] != '3' || s[i+2]|0x20 != 'd' {
			return i, false
		}
		sep = 3
	}
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
	if b > 0 && s[b-1] == '%' && e-b > 2 {
		b += 2 // the name follows an escape: %26sig%3D…
	}
	n, ok := lookup(s[b:e], s[i] == '=')
	if !ok {
		return i, false
	}
	v := i + sep
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
	return r.value(v, 0, n.scheme, encoded)
}

// lookup finds the secret a flag or key name is, ignoring case, '-', '_'
// and '.'; with env, the name may be an environment variable's (NAME=).
func lookup(raw string, env bool) (name, bool) {
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
	env = env && isEnvName(raw)
	for i := range names {
		n := &names[i]
		if n.env {
			if env && (string(b) == n.name || len(raw) > len(n.name) && raw[len(raw)-len(n.name)-1] == '_' &&
				strings.EqualFold(raw[len(raw)-len(n.name):], n.name)) {
				return *n, true
			}
			continue
		}
		if string(b) == n.name || n.suffix && len(b) > len(n.name) && string(b[len(b)-len(n.name):]) == n.name {
			return *n, true
		}
	}
	return name{}, false
}

// isEnvName: upper case letters, digits and '_', as environment variables
// are named.
func isEnvName(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return s != ""
}

// value hides the value starting at i: quoted (the quotes stay; \"…\" too),
// or up to a blank, a quote or the end of the command (with encoded, an
// escaped '&' too: %26). With after, only what follows that byte is
// hidden; with scheme, an auth scheme before the credentials stays in
// sight. It returns where scanning goes on.
func (r *redactor) value(i int, after byte, scheme, encoded bool) (int, bool) {
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
		if strings.HasPrefix(s[i:], "$(") {
			return i, false // a command's output: the command is read as any
		}
		start, end = i, i
		for end < len(s) && !isValueEnd(s[end]) && !(encoded && strings.HasPrefix(s[end:], "%26")) {
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
			return r.value(k, 0, false, false)
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

// url notes the command of a stratum URL (the "://" at i) as a miner's,
// and hides the password of the URL's user information.
func (r *redactor) url(i int) (int, bool) {
	s := r.s
	b := i
	for b > 0 && (isNameChar(s[b-1]) || s[b-1] == '+') {
		b--
	}
	scheme := s[b:i]
	if len(scheme) >= len(stratum) && strings.EqualFold(scheme[:len(stratum)], stratum) {
		r.seen |= stratumScope
	}
	return r.userinfo(i+3, strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http"))
}

// stratumScope is the flags a stratum URL brings in scope.
var stratumScope = words[stratum].programs

// userinfo hides the password of a URL's user information (user:password@)
// that starts at i, after "://". The user stays: it is often a name, and a
// miner's pool user is its wallet. Of a web URL (web), a user without a
// password that is a token is hidden: git clone https://TOKEN@github.com/….
func (r *redactor) userinfo(i int, web bool) (int, bool) {
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
	switch {
	case colon < 0 && web && token(s[i:at]):
		r.spans = append(r.spans, [2]int{i, at})
	case colon < 0 || i+colon+1 == at:
		return i, false
	default:
		r.spans = append(r.spans, [2]int{i + colon + 1, at})
	}
	return at, true
}

// tokenPrefixes start the tokens of GitHub and GitLab.
var tokenPrefixes = []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-"}

// token reports whether a URL's user is a token: one of tokenPrefixes, or
// 32 letters, digits, '-' or '_' and more (an Azure DevOps personal access
// token is 52 or 84); a user's name is shorter.
func token(u string) bool {
	for _, p := range tokenPrefixes {
		if strings.HasPrefix(u, p) {
			return true
		}
	}
	if len(u) < 32 {
		return false
	}
	for i := 0; i < len(u); i++ {
		if c := u[i]; !isNameChar(c) || c == '.' {
			return false
		}
	}
	return true
}
