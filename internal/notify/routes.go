package notify

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mamori-sec/mamori/internal/alert"
)

// A service over many tenants (a team serving its customers) tells each
// tenant's attack to that tenant's channel: a routes file names, line by
// line, the tenants a receiver is for.
//
//	# TENANT[,TENANT…]  URL  [format=slack|teams|json]  [severity=low|medium|high|critical]  [every=15m]  [secret=…]
//	4f1c2b7e-9a3d-4c55-8e21-6b0d7a9c3e10  https://hooks.slack.com/services/…
//	0badf00d-1234-4abc-8def-00000000cafe  https://…/workflows/…  format=teams severity=medium
//	*  smtps://soc:…@mail.example:465/?from=…&to=…     (every other tenant)
//
// The file holds secrets (its URLs), as --notify does: no error names a
// URL, only the file's line.

// Route is a receiver and the tenants it is told of.
type Route struct {
	// Tenants are the tenants' ids, lower case; none for the route of
	// every tenant no other names ("*").
	Tenants []string
	N       *Notifier
	// Every paces the route's messages (serve's --notify-every) when
	// EverySet: the line's every=, else serve's flag.
	Every    time.Duration
	EverySet bool
}

// Name says which route this is, for a person: its tenants' ids (text of
// the routes file, checked to be ids) or "every other tenant". A route
// the routes file did not give (--notify alone) is "the receiver".
func (r *Route) Name() string {
	if len(r.Tenants) == 0 {
		return "every other tenant's receiver"
	}
	return "the receiver of tenant " + strings.Join(r.Tenants, ", ")
}

// tenantID is the shape of an Entra tenant's id, as records name it.
var tenantID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// ParseRoutes reads a routes file (name is its path, for errors). format
// and min are the receivers' defaults (serve's --notify-format and
// --notify-severity). Lines naming the same receiver (its URL, format and
// severity) make one route, so a receiver of several tenants gets one
// message a cycle. The route of every other tenant, "*", is last.
func ParseRoutes(r io.Reader, name string, format Format, min alert.Severity) ([]Route, error) {
	type key struct {
		url    string
		format Format
		min    alert.Severity
		secret string
		every  time.Duration
		set    bool
	}
	var routes []Route
	byKey := map[key]int{}
	whose := map[string]int{} // tenant (or "*") → line
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fail := func(f string, args ...any) error {
			return fmt.Errorf("%s:%d: %s", name, n, fmt.Sprintf(f, args...))
		}
		fields := strings.Fields(line)
		if len(fields) < 2 {
			return nil, fail("want the tenants, then the receiver's URL")
		}
		k := key{url: fields[1], format: format, min: min}
		for _, opt := range fields[2:] {
			name, value, _ := strings.Cut(opt, "=")
			var err error
			switch name {
			case "format":
				if k.format, err = ParseFormat(value); err != nil {
					err = errors.New("format=: slack, teams or json")
				}
			case "severity":
				var ok bool
				if k.min, ok = alert.ParseSeverity(value); !ok || k.min == alert.Informational {
					err = errors.New("severity=: low, medium, high or critical")
				}
			case "every":
				// Not quoted either (a value is never).
				if k.every, err = time.ParseDuration(value); err != nil || k.every < 0 {
					err = errors.New("every=: a span such as 15m or 1h (0: every cycle)")
				}
				k.set = true
			case "secret":
				// Not quoted, as the URL is not.
				if len(value) < minSecret {
					err = errors.New("secret=: at least 16 characters (openssl rand -hex 32)")
				}
				k.secret = value
			default:
				// Not quoted: a URL split by a space would be printed.
				err = errors.New("after the URL only format=…, severity=…, every=… and secret=… (a URL holds no space)")
			}
			if err != nil {
				return nil, fail("%s", err)
			}
		}
		// Not quoted either: a line with its fields swapped holds its
		// URL first.
		names := strings.Split(strings.ToLower(fields[0]), ",")
		if len(names) > 1 && slices.Contains(names, "*") {
			return nil, fail("* is every other tenant: on a line of its own")
		}
		var tenants []string
		for i, t := range names {
			if t != "*" && !tenantID.MatchString(t) {
				return nil, fail("the first field's tenant %d is not a tenant's id (its GUID) nor *", i+1)
			}
			if at, ok := whose[t]; ok {
				return nil, fail("tenant %s has a receiver on line %d already", t, at)
			}
			whose[t] = n
			if t != "*" {
				tenants = append(tenants, t)
			}
		}
		if i, ok := byKey[k]; ok {
			routes[i].Tenants = append(routes[i].Tenants, tenants...)
			continue
		}
		nt, err := New(k.url, k.format, k.min)
		if err == nil && k.secret != "" {
			err = nt.Sign(k.secret)
		}
		if err != nil {
			return nil, fail("%s", err)
		}
		byKey[k] = len(routes)
		routes = append(routes, Route{Tenants: tenants, N: nt, Every: k.every, EverySet: k.set})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if len(routes) == 0 {
		return nil, fmt.Errorf("%s: no receiver in it", name)
	}
	// The route of every other tenant last: Router.For looks for a
	// tenant's own first.
	slices.SortStableFunc(routes, func(a, b Route) int {
		return boolCmp(len(a.Tenants) == 0, len(b.Tenants) == 0)
	})
	return routes, nil
}

func boolCmp(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

// Router picks each tenant's route.
type Router struct {
	Routes []Route
	of     map[string]int
	other  int // the route of every other tenant; -1 when none
}

// NewRouter routes by rs; a route without tenants is every other
// tenant's.
func NewRouter(rs []Route) *Router {
	r := &Router{Routes: rs, of: map[string]int{}, other: -1}
	for i, rt := range rs {
		if len(rt.Tenants) == 0 {
			r.other = i
		}
		for _, t := range rt.Tenants {
			r.of[t] = i
		}
	}
	return r
}

// For is the index in Routes of tenant's route; -1 when it has none.
// A text placed in no tenant ("") goes to every other tenant's.
func (r *Router) For(tenant string) int {
	if i, ok := r.of[strings.ToLower(tenant)]; ok {
		return i
	}
	return r.other
}

// Other is the index of every other tenant's route; -1 when none.
func (r *Router) Other() int { return r.other }
