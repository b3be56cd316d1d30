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
// mapping). Its value is hidden when one of the programs is the command's
// (since the last ; & | ( ) or backtick): named by a command word, which is
// the command's first word, or the first after a wrapper and its options
// (sudo -u root mysql -pX, sshpass -p X ssh …, bash -c "az login … -p X"),
// or the first word in quotes when more follow it there (docker exec c sh
// -c 'mysql -pX'). A program named in an argument opens no scope: "mkdir
// -p /tmp/.x", ssh's -p 22 after sshpass, docker run -v /srv/mysql:/x -p
// 3306:3306.
type scoped struct {
	flag     string   // as written: case matters; "" when naming the program is enough (chpasswd)
	fold     bool     // any case (PowerShell, Windows)
	programs []string // file names, lower case, without .exe
	with     string   // a word the command must hold too: docker's -p is a password after "login" only
	attached bool     // also -pVALUE
	cluster  bool     // the flag's letter may come with others: htpasswd -cb, sudo -kS
	cut      cut      // which part of the value is secret (curl -u user:password)
	take     take     // which word the secret is
}

// cut says which part of a value is secret.
type cut uint8

const (
	whole        cut = iota
	afterColon       // user:PASSWORD, after the first ':': curl -u, chpasswd
	afterPercent     // user%PASSWORD: smbclient -U
	// A miner's pool user, WALLET[.WORKER][:PASSWORD], as NBMiner's -u
	// and a stratum URL's user information take it: the password follows
	// the last ':', and there is none when what precedes that ':' is a
	// coin's prefix (kaspa:qr…, bitcoincash:qq…): the wallet stays whole.
	walletPass
)

// from returns where in v, a value, its secret starts; -1 when it holds none.
func (c cut) from(v string) int {
	var k int
	switch c {
	case afterColon:
		k = strings.IndexByte(v, ':')
	case afterPercent:
		k = strings.IndexByte(v, '%')
	case walletPass:
		k = strings.LastIndexByte(v, ':')
		if k >= 0 && coinAddress(v[:k], v[k+1:]) {
			return -1
		}
	default:
		return 0
	}
	if k < 0 {
		return -1
	}
	return k + 1
}

// coinPrefixes start the addresses of coins that write their network's
// name before them (CashAddr, Kaspa's bech32 and its forks).
var coinPrefixes = []string{"kaspa", "kaspatest", "kaspasim", "kaspadev", "karlsen", "karlsentest", "pyrin",
	"spectre", "hoosat", "bitcoincash", "bchtest", "bchreg", "simpleledger", "ecash", "ectest", "ergo", "nexa", "nexatest"}

// coinAddress reports whether prefix:rest is a coin's address (with, maybe,
// a .worker after it) rather than user:password: the prefix a word of
// letters, a coin's or one before an address of 25 characters and more.
func coinAddress(prefix, rest string) bool {
	if prefix == "" || !letters(prefix) || rest == "" || !isAlnum(rest[0]) {
		return false
	}
	n := 0 // the address's length, before a .worker
	for n < len(rest) && isAlnum(rest[n]) {
		n++
	}
	for k := n; k < len(rest); k++ {
		if !isNameChar(rest[k]) {
			return false // no address: a password, p@ss!
		}
	}
	if n >= 25 {
		return true
	}
	for _, p := range coinPrefixes {
		if strings.EqualFold(prefix, p) {
			return true
		}
	}
	return false
}

func isAlnum(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
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
	// curl -u/--user user:password, -U/--proxy-user: the user stays.
	{flag: "-u", attached: true, cut: afterColon, programs: []string{"curl"}},
	{flag: "--user", cut: afterColon, programs: []string{"curl"}},
	{flag: "-U", attached: true, cut: afterColon, programs: []string{"curl"}},
	{flag: "--proxy-user", cut: afterColon, programs: []string{"curl"}},
	// NBMiner takes its pool password in its user: -u WALLET.WORKER:PASSWORD;
	// -u kaspa:qr…ADDRESS.WORKER is a wallet, and stays.
	{flag: "-u", attached: true, cut: walletPass, programs: []string{"nbminer"}},
	{flag: "--user", cut: walletPass, programs: []string{"nbminer"}},
	// smbclient/rpcclient -U user%password: the user stays.
	{flag: "-U", cut: afterPercent, programs: []string{"smbclient", "rpcclient"}},
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
	{programs: []string{"chpasswd"}, cut: afterColon, take: piped},
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

// A wrapper runs the command that follows its options and their values:
// sudo -u root CMD, env A=1 CMD, timeout 10 CMD, sshpass -p X CMD, ssh HOST
// CMD, bash -c CMD. The first word of that command is a command word, as
// the first word of a command line is; the wrapper's options and their
// values are not.
type wrapper struct {
	args  string   // short options whose value is the next word unless attached: sudo -u USER, -uUSER
	long  []string // long options, without "--", whose value is the next word unless written --name=VALUE
	run   string   // short options whose value is the command: su -c CMD
	pos   int      // words before the command: timeout DURATION, chroot DIR, ssh HOST, su USER
	slash bool     // options may also start with '/': cmd /c
	ps    bool     // PowerShell's: any case, shortened as it accepts them (-ep Bypass, -w hidden, -c CMD)
}

var shell = &wrapper{args: "oO", long: []string{"init-file", "rcfile"}}

// wrappers are the programs and shell words a command may follow, by file
// name, lower case, without .exe.
var wrappers = map[string]*wrapper{
	"!": {}, "{": {}, "if": {}, "then": {}, "else": {}, "elif": {}, "while": {}, "until": {}, "do": {},
	"command": {}, "builtin": {}, "nohup": {}, "setsid": {}, "busybox": {},
	"exec":    {args: "a"},
	"time":    {args: "fo", long: []string{"format", "output"}},
	"sudo":    {args: "CDgpRrTtUu", long: []string{"chdir", "chroot", "close-from", "command-timeout", "group", "host", "other-user", "prompt", "role", "type", "user"}},
	"doas":    {args: "aCu"},
	"pkexec":  {long: []string{"user"}},
	"env":     {args: "CSu", long: []string{"chdir", "split-string", "unset"}},
	"nice":    {args: "n", long: []string{"adjustment"}},
	"ionice":  {args: "cnPpu", long: []string{"class", "classdata", "pgid", "pid", "uid"}},
	"timeout": {args: "ks", long: []string{"kill-after", "signal"}, pos: 1},
	"stdbuf":  {args: "eio", long: []string{"error", "input", "output"}},
	"chroot":  {long: []string{"groups", "userspec"}, pos: 1},
	"nsenter": {args: "GSt", long: []string{"setgid", "setuid", "target"}},
	"xargs":   {args: "adEILnPs", long: []string{"arg-file", "delimiter", "eof", "max-args", "max-chars", "max-lines", "max-procs", "process-slot-var", "replace"}},
	"watch":   {args: "n", long: []string{"interval"}},
	"sshpass": {args: "dfPp"},
	"ssh":     {args: "BbcDEeFIiJLlmOoPpQRSWw", pos: 1},
	"su":      {args: "gGsw", long: []string{"group", "shell", "supp-group", "whitelist-environment"}, run: "c", pos: 1},
	"runuser": {args: "gGsuw", long: []string{"group", "shell", "supp-group", "user", "whitelist-environment"}, run: "c"},
	"sh":      shell, "bash": shell, "dash": shell, "zsh": shell, "ksh": shell, "ash": shell, "mksh": shell,
	"cmd":        {slash: true},
	"runas":      {slash: true},
	"powershell": {ps: true},
	"pwsh":       {ps: true},
}

// psArgs are the parameters of powershell.exe and pwsh that take a value
// (whole or shortened to two letters and more), and the short names they
// have.
var psArgs = []string{"executionpolicy", "windowstyle", "file", "encodedcommand", "encodedarguments", "version",
	"psconsolefile", "configurationname", "configurationfile", "inputformat", "outputformat", "workingdirectory",
	"custompipename", "settingsfile"}

var psShort = []string{"e", "f", "w", "v", "ep", "ec", "ea", "wd", "if", "of"}

func (wr *wrapper) isOption(c byte) bool {
	return c == '-' || c == '/' && (wr.slash || wr.ps)
}

// option reads the wrapper's option w: whether its value is the next word,
// and whether the command follows it (su -c CMD).
func (wr *wrapper) option(w string) (arg, run bool) {
	name := w[1:]
	switch {
	case wr.ps:
		if name == "" || strings.ContainsAny(name, ":=") {
			return false, false
		}
		if prefixFold(name, "command") {
			return false, true
		}
		for _, p := range psShort {
			if strings.EqualFold(name, p) {
				return true, false
			}
		}
		for _, p := range psArgs {
			if len(name) >= 2 && prefixFold(name, p) {
				return true, false
			}
		}
		return false, false
	case w[0] == '/': // cmd /c, /q, /v:on
		return false, false
	case strings.HasPrefix(w, "--"):
		return strings.IndexByte(w, '=') < 0 && slices.Contains(wr.long, w[2:]), false
	}
	for j := 1; j < len(w); j++ {
		if strings.IndexByte(wr.run, w[j]) >= 0 {
			return false, true
		}
		if strings.IndexByte(wr.args, w[j]) >= 0 {
			return j+1 == len(w), false // -uroot: the value is attached
		}
	}
	return false, false
}

// prefixFold reports whether s begins p, ignoring case.
func prefixFold(s, p string) bool {
	return len(s) <= len(p) && strings.EqualFold(s, p[:len(s)])
}

// Secrets returns s with the value of every secret it recognises replaced
// by Mask: the values of the flags, keys, variables and headers above, the
// password of a URL's user information (https://user:***@host) or a
// token standing for its user (https://***@github.com), and the secrets of
// the scoped flags in scope in their command: their values, the word they
// say (net user NAME ***, htpasswd -b FILE USER ***), what echo piped into
// them (echo *** | sudo -S). Quotes around a value stay, and so does a
// value that holds a URL (a pool: lolMiner -p stratum+tcp://…), whose own
// secrets are hidden as any URL's. It never fails, is idempotent and
// takes time linear in len(s), which nothing caps (a correlation's group
// keys may be command lines); s is returned as it is when nothing is
// hidden.
func Secrets(s string) string {
	r := redactor{s: s, expect: true, lastFail: [2]int{-1, -1}}
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
	// Where the current command's words are (commandWord): whether its
	// command word may come next, after the options of which wrapper; the
	// next word being the value of one, the wrapper's words still to come,
	// the end of a quoted word to pass over (sudo -u "a b" …).
	expect bool
	wrap   *wrapper
	opts   bool // the wrapper's options go on: no "--" yet
	arg    bool
	pos    int
	quoted int
	// Scans not to make again, so that Secrets takes linear time:
	// lastWord found no secret as the last word of the command from
	// lastFail[0] to lastFail[1]; the unquoted value s[held[0]:held[1]]
	// holds a URL, whose last "://" is at held[2].
	lastFail [2]int
	held     [3]int
}

// scan walks s once. A value once hidden is skipped: nothing in it starts
// a command, names a program or a secret, so a second pass over the
// masked text decides as the first did (Secrets is idempotent). Each
// position is looked at a bounded number of times: what a look ahead
// failed to find is remembered (lastFail, held).
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
				r.arg = false // the flag and its value were the words of an option
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
	r.expect, r.wrap, r.opts, r.arg, r.pos = true, nil, false, false, 0
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

// program reads the word at i: a with word of scoped flags wherever it is;
// a program when it is a command word (commandWord), whose scope replaces
// its wrapper's (sshpass -p X ssh -p 22: ssh's -p is a port); an echo or
// printf starting its command. The first word in quotes that more words
// follow there is a command word too (bash -c "…", ssh host '…', docker
// exec c sh -c '…'), whose scope adds to the command's: the quotes may be
// an argument (mysql -e 'select 1' -pX).
func (r *redactor) program(i int) {
	s := r.s
	outer := i == 0 || !isQuote(s[i-1])
	cmd := false
	if outer {
		cmd = r.commandWord(i)
		if cmd && isQuote(s[i]) {
			i++ // the command in quotes: bash -c "az login …"
		}
	}
	end := r.word(i)
	if !outer {
		cmd = end < len(s) && isSpace(s[end])
	}
	w := s[i:end]
	if j := strings.LastIndexAny(w, `/\`); j >= 0 {
		w = w[j+1:]
	}
	if len(w) > 4 && strings.EqualFold(w[len(w)-4:], ".exe") {
		w = w[:len(w)-4]
	}
	var sc scope
	var wr *wrapper
	if len(w) > 0 && len(w) <= 32 {
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
		}
		sc = words[string(lw)]
		if cmd && outer {
			wr = wrappers[string(lw)]
		}
	}
	r.with |= sc.with
	if !cmd {
		return
	}
	fresh := sc.programs &^ r.seen
	if outer {
		// A command's program, after a wrapper's maybe: its scope
		// replaces the wrapper's (a stratum URL read stays read).
		fresh = sc.programs
		r.seen = sc.programs | r.seen&stratumScope
		r.wrap = wr
		if wr != nil {
			r.expect, r.opts, r.arg, r.pos = true, true, false, wr.pos
		}
	} else {
		r.seen |= sc.programs
	}
	for _, k := range bare {
		if fresh&(1<<k) != 0 {
			r.secret(&scopedFlags[k], end, false)
		}
	}
}

// commandWord reports whether the word at i, which follows a blank or a
// command's end (not a quote), is a command word: the first of its
// command, or the first after a wrapper's options and their values, its
// words before the command (timeout DURATION) and the variables set (A=1
// cmd, env A=1 cmd). In PowerShell, "$p = Cmdlet …" makes Cmdlet one too.
// A word in quotes passed over as an argument is passed over whole.
func (r *redactor) commandWord(i int) bool {
	s := r.s
	if i < r.quoted {
		return false // a word in an argument's quotes: sudo -u "a b"
	}
	quoted := isQuote(s[i])
	switch {
	case r.arg:
		r.arg = false
	case !r.expect:
		if s[i] == '=' && (i+1 == len(s) || isValueEnd(s[i+1])) {
			r.expect, r.wrap = true, nil
		}
	case quoted:
		if r.pos == 0 {
			r.expect = false
			return true
		}
		r.pos--
	case r.wrap != nil && r.opts && r.wrap.isOption(s[i]):
		w := s[i:r.argEnd(i)]
		if w == "--" && !r.wrap.ps {
			r.opts = false
			return false
		}
		arg, run := r.wrap.option(w)
		r.arg = arg
		if run {
			r.pos = 0
		}
		return false
	case r.assignment(i):
		return false
	case r.pos > 0:
		r.pos--
	default:
		r.expect = false
		return true
	}
	if quoted {
		if e := r.wordEnd(i); e > i {
			r.quoted = e
		}
	}
	return false
}

// argEnd returns where the unquoted word at i ends.
func (r *redactor) argEnd(i int) int {
	for i < len(r.s) && !isValueEnd(r.s[i]) {
		i++
	}
	return i
}

// assignment reports whether the word at i sets a variable: NAME=value.
func (r *redactor) assignment(i int) bool {
	s := r.s
	k := i
	for k < len(s) && (s[k] == '_' || isAlnum(s[k])) {
		k++
	}
	return k > i && k < len(s) && s[k] == '=' && !('0' <= s[i] && s[i] <= '9')
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
		return r.skipValue(i, f.take == skipName, f.cut)
	case last:
		return r.lastWord(i, f.cut)
	case piped:
		return i, r.stdin(f.cut)
	}
	return r.flagValue(i, attached, f.cut, false)
}

// skipValue hides the word after the one from i: net user NAME PASSWORD.
// With named, only when the word passed names a secret (aws configure set
// aws_secret_access_key VALUE). A flag there is no value, nor "*", which
// asks for the password; nor a quote that ends the word passed instead of
// a blank (NAME"…), as no command line writes it.
func (r *redactor) skipValue(i int, named bool, c cut) (int, bool) {
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
	if v == w || v == len(s) || s[v] == '-' || s[v] == '/' || s[v] == '*' && r.wordEnd(v) == v+1 {
		return v, false
	}
	return r.value(v, c, false, false)
}

// lastWord hides the last word of the command from i (not a flag, nor the
// descriptor of a redirection: 2>/dev/null). The last word is the same for
// every flag of the command that asks for it: when it is no secret, the
// scan that found so is not made again for the next one (htpasswd -b -b …
// would take time quadratic in the command's length).
func (r *redactor) lastWord(i int, c cut) (int, bool) {
	if r.lastFail[0] <= i && i <= r.lastFail[1] {
		return i, false
	}
	s := r.s
	from, w := i, -1
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
	if w >= 0 && s[w] != '-' {
		if n, ok := r.value(w, c, false, false); ok {
			return n, true
		}
	}
	r.lastFail = [2]int{from, i}
	return i, false
}

// stdin hides, once, what the command before the pipe echoed (echo's own
// flags, -n and -e, aside: a word that goes on after its letters, -A"…,
// is no flag).
func (r *redactor) stdin(c cut) bool {
	s := r.s
	a, b := r.piped[0], r.piped[1]
	if b == 0 {
		return false
	}
	r.piped = [2]int{}
	for {
		a = skipSpaces(s, a)
		e := r.wordEnd(a)
		if a >= b || s[a] != '-' || e > b || e-a < 2 || !letters(s[a+1:e]) || e < b && !isSpace(s[e]) {
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
	k := c.from(s[a:b])
	if k < 0 {
		return false
	}
	a += k
	if a >= b {
		return false
	}
	r.insert(a, b)
	return true
}

// insert adds the span [a, b) behind the scan, where an echo was: the
// spans it overlaps (values in what was echoed) become one with it. Those
// before it are found by halves, not one by one: a line may hold many
// echoes and many spans.
func (r *redactor) insert(a, b int) {
	k, _ := slices.BinarySearchFunc(r.spans, a, func(sp [2]int, a int) int {
		if sp[1] <= a {
			return -1
		}
		return 1
	})
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
func (r *redactor) flagValue(i int, attached bool, c cut, scheme bool) (int, bool) {
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
	return r.value(i, c, scheme, false)
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
	return r.value(v, whole, n.scheme, encoded)
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
// escaped '&' too: %26). Only the part c says is hidden; with scheme, an
// auth scheme before the credentials stays in sight. A value that holds a
// URL is not hidden (a miner's -p may be its pool: lolMiner, BzMiner): the
// scan goes on into it and hides the URL's own secrets, its password, its
// sig=. It returns where scanning goes on.
func (r *redactor) value(i int, c cut, scheme, encoded bool) (int, bool) {
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
		if !encoded && strings.Contains(s[start:end], "://") {
			return i, false
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
		switch {
		case encoded:
			for end < len(s) && !isValueEnd(s[end]) && !strings.HasPrefix(s[end:], "%26") {
				end++
			}
		case r.held[0] <= i && i < r.held[1]:
			// In a value found to hold a URL, whose end this one shares:
			// each key in it (password=x://password=x://…) would scan
			// it to its end again.
			if i <= r.held[2] {
				return i, false
			}
			end = r.held[1]
		default:
			for end < len(s) && !isValueEnd(s[end]) {
				end++
			}
			if k := strings.LastIndex(s[start:end], "://"); k >= 0 {
				r.held = [3]int{start, end, start + k}
				return i, false
			}
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
			return r.value(k, whole, false, false)
		}
	}
	k := c.from(s[start:end])
	if k < 0 {
		return i, false
	}
	start += k
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
	web := strings.EqualFold(scheme, "https") || strings.EqualFold(scheme, "http")
	return r.userinfo(i+3, web, minerScheme(scheme))
}

// minerScheme reports whether a URL's scheme is a mining pool's:
// stratum+tcp, stratum2+ssl, stratums; ssl, ethproxy+tcp, nicehash+ssl.
func minerScheme(scheme string) bool {
	if len(scheme) >= len(stratum) && strings.EqualFold(scheme[:len(stratum)], stratum) {
		return true
	}
	if k := strings.LastIndexByte(scheme, '+'); k >= 0 {
		scheme = scheme[k+1:]
	}
	return strings.EqualFold(scheme, "tcp") || strings.EqualFold(scheme, "ssl") || strings.EqualFold(scheme, "tls")
}

// stratumScope is the flags a stratum URL brings in scope.
var stratumScope = words[stratum].programs

// userinfo hides the password of a URL's user information (user:password@)
// that starts at i, after "://". The user stays: it is often a name, and a
// miner's pool user is its wallet, whose password follows the last ':'
// (walletPass: stratum+tcp://kaspa:qr…@pool has none). Of a web URL
// (web), a user without a password that is a token is hidden: git clone
// https://TOKEN@github.com/….
func (r *redactor) userinfo(i int, web, miner bool) (int, bool) {
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
	c := afterColon
	if miner {
		c = walletPass
	}
	pass := c.from(s[i:at])
	switch {
	case pass < 0 && web && token(s[i:at]):
		r.spans = append(r.spans, [2]int{i, at})
	case pass < 0 || i+pass == at:
		return i, false
	default:
		r.spans = append(r.spans, [2]int{i + pass, at})
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
